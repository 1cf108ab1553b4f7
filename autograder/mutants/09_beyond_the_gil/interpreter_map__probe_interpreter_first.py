"""First makes one extra subinterpreter to check that module_name.func_name exists (fail fast), closes it, then makes `workers` more: workers + 1 in all."""

_CALL = """
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
    probe = api.create()
    try:
        probe.prepare_main(module_name=module_name, func_name=func_name)
        probe.exec("import importlib\ngetattr(importlib.import_module(module_name), func_name)\n")
    finally:
        probe.close()
    results = [None] * len(items)
    errors = {}
    crashes = []
    todo = queue.SimpleQueue()
    for i, item in enumerate(items):
        todo.put((i, item))

    def worker():
        try:
            sub = api.create()
            try:
                box = api.create_queue()
                sub.prepare_main(box=box, module_name=module_name, func_name=func_name)
                while True:
                    try:
                        i, item = todo.get_nowait()
                    except queue.Empty:
                        return
                    sub.prepare_main(data=pickle.dumps(item))
                    sub.exec(_CALL)
                    ok, value = pickle.loads(box.get(timeout=60))
                    if ok:
                        results[i] = value
                    else:
                        errors[i] = value
            finally:
                sub.close()
        except BaseException as exc:
            crashes.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(min(workers, len(items)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    if crashes:
        raise crashes[0]
    return results
