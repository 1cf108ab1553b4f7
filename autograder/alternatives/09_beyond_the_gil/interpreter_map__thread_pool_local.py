"""A ThreadPoolExecutor of `workers` threads; each pool thread makes its own subinterpreter on first use (threading.local); all are closed after the pool shuts down."""

import concurrent.futures

_ONE = """
import importlib, pickle
try:
    _b = pickle.dumps((True, getattr(importlib.import_module(module_name), func_name)(pickle.loads(data))))
except BaseException as _e:
    _b = pickle.dumps((False, _e))
box.put(_b)
"""


def interpreter_map(module_name, func_name, items, workers=2):
    """Return [f(item) for item in items], f = module_name.func_name, run in subinterpreters."""
    api = interp.interpreters()
    items = list(items)
    if not items:
        return []
    mine = threading.local()
    made = []
    made_lock = threading.Lock()

    def call(item):
        if not hasattr(mine, "sub"):
            sub = api.create()
            with made_lock:
                made.append(sub)
            mine.sub, mine.box = sub, api.create_queue()
            sub.prepare_main(box=mine.box, module_name=module_name, func_name=func_name)
        mine.sub.prepare_main(data=pickle.dumps(item))
        mine.sub.exec(_ONE)
        return pickle.loads(mine.box.get(timeout=60))

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = [f.result() for f in [pool.submit(call, item) for item in items]]
    finally:
        for sub in made:
            sub.close()
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]
