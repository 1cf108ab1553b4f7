"""Right with an explicit `workers`, but its default is 3, not the signature's 2."""

import pickle
import queue
import threading


def interpreter_map(module_name, func_name, items, workers=3):
    api = interp.interpreters()
    payloads = [pickle.dumps(item) for item in items]
    outcomes = [None] * len(payloads)
    todo = queue.Queue()
    for index in range(len(payloads)):
        todo.put(index)
    setup = (
        "import importlib, pickle\n"
        "func = getattr(importlib.import_module(module_name), func_name)\n"
    )
    step = (
        "try:\n"
        "    outcome = ('ok', func(pickle.loads(data)))\n"
        "except Exception as exc:\n"
        "    outcome = ('error', exc)\n"
        "results.put(pickle.dumps(outcome))\n"
    )

    def drive(sub, results):
        sub.prepare_main(module_name=module_name, func_name=func_name, results=results)
        sub.exec(setup)
        while True:
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            sub.prepare_main(data=payloads[index])
            sub.exec(step)
            outcomes[index] = pickle.loads(results.get(timeout=10))

    subs, threads, crashes = [], [], []

    def run(sub, results):
        try:
            drive(sub, results)
        except Exception as exc:
            crashes.append(exc)

    try:
        for _ in range(min(workers, len(payloads))):
            sub = api.create()
            subs.append(sub)
            threads.append(threading.Thread(target=run, args=(sub, api.create_queue())))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for sub in subs:
            sub.close()
    if crashes:
        raise crashes[0]
    for kind, value in outcomes:
        if kind == "error":
            raise value
    return [value for _, value in outcomes]
