"""Puts the sentinel back for the other workers but forgets to leave: an endless loop."""


def run_pipeline(items, stages, workers_per_stage):
    stop = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []

    def work(stage, inbox, outbox):
        while True:
            item = inbox.get()
            if item is stop:
                inbox.put(stop)  # pass it on to the next worker...
                continue  # Bug: ...and keep going, so everyone spins for ever
            try:
                outbox.put(stage(item))
            except Exception as exc:
                errors.append(exc)

    crews = []
    for stage, inbox, outbox in zip(stages, queues, queues[1:]):
        crew = [
            threading.Thread(target=work, args=(stage, inbox, outbox), daemon=True)
            for _ in range(workers_per_stage)
        ]
        for t in crew:
            t.start()
        crews.append(crew)
    for item in items:
        queues[0].put(item)
    for crew, inbox in zip(crews, queues):
        inbox.put(stop)
        for t in crew:
            t.join()
    if errors:
        raise errors[0]
    queues[-1].put(stop)
    return list(iter(queues[-1].get, stop))
