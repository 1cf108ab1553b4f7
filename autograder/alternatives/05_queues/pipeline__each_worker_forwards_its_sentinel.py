"""Correct: every stage's queues carry one sentinel per worker; each worker, on getting its
sentinel, passes one sentinel on to the next stage and ends. With the same number of workers
in every stage, the last stage's outbox gets one sentinel per worker, and the main thread
collects outputs until it has seen them all. Errors are kept and re-raised after every
thread has been joined."""


def run_pipeline(items, stages, workers_per_stage):
    if workers_per_stage < 1:
        raise ValueError("workers_per_stage must be at least 1")
    stop = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []
    lock = threading.Lock()

    def work(stage, inbox, outbox):
        failed = False
        while True:
            item = inbox.get()
            if item is stop:
                outbox.put(stop)  # one in, one out
                return
            if failed or errors:
                continue
            try:
                out = stage(item)
            except BaseException as exc:
                with lock:
                    errors.append(exc)
                failed = True
                continue
            outbox.put(out)

    threads = [
        threading.Thread(target=work, args=(stage, queues[k], queues[k + 1]), daemon=True)
        for k, stage in enumerate(stages)
        for _ in range(workers_per_stage)
    ]
    for t in threads:
        t.start()
    try:
        for item in items:
            queues[0].put(item)
    finally:
        for _ in range(workers_per_stage):
            queues[0].put(stop)
    outputs, stops = [], 0
    while stops < workers_per_stage:
        out = queues[-1].get()
        if out is stop:
            stops += 1
        else:
            outputs.append(out)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return outputs
