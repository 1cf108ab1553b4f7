"""Threads claim the next index under a Lock; one shared queue brings back tagged answers."""


def interpreter_map(module_name, func_name, items, workers=2):
    api = interp.interpreters()
    items = list(items)
    answers = api.create_queue()
    claim = threading.Lock()
    position = [0]

    def next_index():
        with claim:
            i = position[0]
            position[0] += 1
            return i if i < len(items) else None

    def worker(sub):
        sub.prepare_main(answers=answers, mod=module_name, name=func_name)
        while (i := next_index()) is not None:
            sub.prepare_main(index=i, payload=pickle.dumps(items[i]))
            sub.exec(
                "import importlib, pickle\n"
                "f = getattr(importlib.import_module(mod), name)\n"
                "try:\n"
                "    r = (index, None, f(pickle.loads(payload)))\n"
                "except BaseException as e:\n"
                "    r = (index, e, None)\n"
                "answers.put(pickle.dumps(r))\n"
            )

    subs = []
    try:
        for _ in range(min(workers, len(items))):
            subs.append(api.create())
        threads = [threading.Thread(target=worker, args=(s,)) for s in subs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Read every answer before closing: closing an interpreter unbinds what it put.
        got = {}
        for _ in items:
            index, error, value = pickle.loads(answers.get(timeout=30))
            got[index] = (error, value)
    finally:
        for s in subs:
            s.close()
    for i in range(len(items)):
        if got[i][0] is not None:
            raise got[i][0]
    return [got[i][1] for i in range(len(items))]
