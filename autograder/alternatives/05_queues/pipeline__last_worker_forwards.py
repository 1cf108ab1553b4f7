"""The last worker of each stage to stop sends the next stage its sentinels; failures are kept per stage."""


def run_pipeline(items, stages, workers_per_stage):
    if workers_per_stage < 1:
        raise ValueError("workers_per_stage must be at least 1")
    END = object()
    n = workers_per_stage
    links = [queue.Queue() for _ in range(len(stages) + 1)]
    left = [n] * len(stages)
    lock = threading.Lock()
    failed = []

    def worker(k):
        stage, inbox, outbox = stages[k], links[k], links[k + 1]
        for item in iter(inbox.get, END):
            if failed:
                continue
            try:
                result = stage(item)
            except BaseException as exc:
                with lock:
                    failed.append(exc)
                continue
            outbox.put(result)
        with lock:
            left[k] -= 1
            last = left[k] == 0
        if last and k + 1 < len(stages):
            for _ in range(n):
                outbox.put(END)

    threads = [
        threading.Thread(target=worker, args=(k,), daemon=True)
        for k in range(len(stages))
        for _ in range(n)
    ]
    for t in threads:
        t.start()
    for item in items:
        links[0].put(item)
    for _ in range(n):
        links[0].put(END)
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    out = []
    while not links[-1].empty():  # every worker has ended: nothing more can arrive
        out.append(links[-1].get())
    return out
