"""Each worker takes every workers-th item as one pickled chunk and sends back one list."""


def interpreter_map(module_name, func_name, items, workers=2):
    api = interp.interpreters()
    items = list(items)
    if not items:
        return []
    count = min(workers, len(items))
    chunks = [list(range(len(items)))[w::count] for w in range(count)]
    code = """
import importlib, pickle
f = getattr(importlib.import_module(module_name), func_name)
out = []
for x in pickle.loads(chunk):
    try:
        out.append((True, f(x)))
    except BaseException as e:
        out.append((False, e))
box.put(pickle.dumps(out))
"""
    answers = [None] * count
    subs = [api.create() for _ in range(count)]
    try:

        def run(w):
            box = api.create_queue()
            subs[w].prepare_main(
                module_name=module_name,
                func_name=func_name,
                box=box,
                chunk=pickle.dumps([items[i] for i in chunks[w]]),
            )
            subs[w].exec(code)
            answers[w] = pickle.loads(box.get(timeout=30))

        threads = [threading.Thread(target=run, args=(w,)) for w in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in subs:
            s.close()
    results = [None] * len(items)
    for w, indexes in enumerate(chunks):
        for i, pair in zip(indexes, answers[w]):
            results[i] = pair
    for ok, value in results:
        if not ok:
            raise value
    return [value for _, value in results]
