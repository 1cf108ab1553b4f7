"""Does not check workers_per_stage: below 1 it starts no worker and quietly returns []."""


def run_pipeline(items, stages, workers_per_stage):
    # Bug: no check of workers_per_stage; with 0 workers nothing runs and [] comes back.
    stop = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []

    def work(stage, inbox, outbox):
        while True:
            item = inbox.get()
            if item is stop:
                return
            if errors:
                continue  # after a failure, drain the queue without doing the work
            try:
                outbox.put(stage(item))
            except BaseException as exc:  # re-raised in the caller; the worker carries on
                errors.append(exc)

    crews = []
    for stage, inbox, outbox in zip(stages, queues, queues[1:], strict=False):
        crew = [
            threading.Thread(target=work, args=(stage, inbox, outbox), daemon=True)
            for _ in range(workers_per_stage)
        ]
        for t in crew:
            t.start()
        crews.append(crew)

    for item in items:
        queues[0].put(item)
    # Shut the stages down in order: once every worker of a stage has had its own
    # sentinel and ended, everything it will ever produce is in the next queue.
    for crew, inbox in zip(crews, queues, strict=False):
        for _ in crew:
            inbox.put(stop)
        for t in crew:
            t.join()

    if errors:
        raise errors[0]
    queues[-1].put(stop)
    return list(iter(queues[-1].get, stop))
