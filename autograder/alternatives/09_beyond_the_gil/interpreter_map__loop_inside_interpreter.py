"""Each subinterpreter runs one long exec: a loop that takes (index, pickled item) tasks from a cross-interpreter queue until a None, and puts pickled outcomes on another."""

_LOOP = """
import importlib, pickle
_f = getattr(importlib.import_module(module_name), func_name)
while True:
    _task = tasks.get()
    if _task is None:
        break
    _i, _data = _task
    try:
        _out = (_i, True, pickle.dumps(_f(pickle.loads(_data))))
    except BaseException as _e:
        _out = (_i, False, pickle.dumps(_e))
    outcomes.put(_out)
"""


def interpreter_map(module_name, func_name, items, workers=2):
    """Return [f(item) for item in items], f = module_name.func_name, run in subinterpreters."""
    api = interp.interpreters()
    items = list(items)
    if not items:
        return []
    count = min(workers, len(items))
    tasks = api.create_queue()
    outcomes = api.create_queue()
    for i, item in enumerate(items):
        tasks.put((i, pickle.dumps(item)))
    for _ in range(count):
        tasks.put(None)
    subs = []
    failures = []
    try:
        for _ in range(count):
            subs.append(api.create())
        for sub in subs:
            sub.prepare_main(tasks=tasks, outcomes=outcomes, module_name=module_name, func_name=func_name)

        def drive(sub):
            try:
                sub.exec(_LOOP)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=drive, args=(sub,)) for sub in subs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # read every outcome before closing the interpreters that put them
        found = {}
        while len(found) < len(items):
            try:
                i, ok, data = outcomes.get(timeout=0.1 if failures else 60)
            except queue.Empty:
                break
            found[i] = (ok, pickle.loads(data))
    finally:
        for sub in subs:
            sub.close()
    for i in range(len(items)):
        if i in found and not found[i][0]:
            raise found[i][1]
    if failures:
        raise failures[0]
    return [found[i][1] for i in range(len(items))]
