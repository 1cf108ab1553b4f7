"""The last worker of a stage forwards the shutdown; a worker killed by an exception never does."""


def run_pipeline(items, stages, workers_per_stage):
    stop = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []
    lock = threading.Lock()
    remaining = [workers_per_stage] * len(stages)

    def work(k, stage, inbox, outbox):
        while True:
            item = inbox.get()
            if item is stop:
                break
            # Bug: no try/except, so an exception ends the thread before the code below.
            outbox.put(stage(item))
        with lock:
            remaining[k] -= 1
            last = remaining[k] == 0
        if last:
            for _ in range(workers_per_stage if k + 1 < len(stages) else 1):
                outbox.put(stop)

    def guarded(k, stage, inbox, outbox):
        try:
            work(k, stage, inbox, outbox)
        except Exception as exc:
            errors.append(exc)

    threads = []
    for k, (stage, inbox, outbox) in enumerate(zip(stages, queues, queues[1:])):
        for _ in range(workers_per_stage):
            t = threading.Thread(target=guarded, args=(k, stage, inbox, outbox), daemon=True)
            t.start()
            threads.append(t)
    for item in items:
        queues[0].put(item)
    for _ in range(workers_per_stage):
        queues[0].put(stop)
    results = list(iter(queues[-1].get, stop))
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
