"""Runs f in threads of the main interpreter: no subinterpreter, so one GIL for all."""
import importlib


def interpreter_map(module_name, func_name, items, workers=2):
    interp.interpreters()  # RuntimeError without subinterpreters, as asked
    f = getattr(importlib.import_module(module_name), func_name)
    items = list(items)
    outcomes = [None] * len(items)
    todo = queue.Queue()
    for i in range(len(items)):
        todo.put(i)

    def work():
        while True:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            try:
                outcomes[i] = ("ok", f(items[i]))
            except Exception as exc:
                outcomes[i] = ("error", exc)

    ts = [threading.Thread(target=work) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for kind, value in outcomes:
        if kind == "error":
            raise value
    return [value for _, value in outcomes]
