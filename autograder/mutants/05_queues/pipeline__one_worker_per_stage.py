"""Ignores workers_per_stage: each stage has a single worker thread."""


def run_pipeline(items, stages, workers_per_stage):
    stop = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []

    def work(stage, inbox, outbox):
        while True:
            item = inbox.get()
            if item is stop:
                return
            try:
                outbox.put(stage(item))
            except Exception as exc:
                errors.append(exc)

    # Bug: one thread per stage.
    workers = [
        threading.Thread(target=work, args=(stage, inbox, outbox), daemon=True)
        for stage, inbox, outbox in zip(stages, queues, queues[1:])
    ]
    for t in workers:
        t.start()
    for item in items:
        queues[0].put(item)
    for t, inbox in zip(workers, queues):
        inbox.put(stop)
        t.join()
    if errors:
        raise errors[0]
    queues[-1].put(stop)
    return list(iter(queues[-1].get, stop))
