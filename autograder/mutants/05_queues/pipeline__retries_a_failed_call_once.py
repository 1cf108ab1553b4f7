"""A worker whose stage raises tries that item once more before giving up ("stages can be
flaky"): a stage is called twice for one input, and a call that raises and then succeeds on
the retry is never reported."""


def run_pipeline(items, stages, workers_per_stage):
    if workers_per_stage < 1:
        raise ValueError("workers_per_stage must be at least 1")
    stop = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []

    def work(stage, inbox, outbox):
        while True:
            item = inbox.get()
            if item is stop:
                return
            if errors:
                continue
            for attempt in (1, 2):
                try:
                    out = stage(item)
                except BaseException as exc:
                    if attempt == 2:
                        errors.append(exc)
                else:
                    outbox.put(out)
                    break

    crews = []
    for stage, inbox, outbox in zip(stages, queues, queues[1:]):
        crew = [threading.Thread(target=work, args=(stage, inbox, outbox), daemon=True)
                for _ in range(workers_per_stage)]
        for t in crew:
            t.start()
        crews.append(crew)
    for item in items:
        queues[0].put(item)
    for crew, inbox in zip(crews, queues):
        for _ in crew:
            inbox.put(stop)
        for t in crew:
            t.join()
    if errors:
        raise errors[0]
    queues[-1].put(stop)
    return list(iter(queues[-1].get, stop))
