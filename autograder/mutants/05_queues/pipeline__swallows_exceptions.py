"""Catches a stage's exception and drops the item, so the caller never hears of it."""


def run_pipeline(items, stages, workers_per_stage):
    stop = object()
    queues = [queue.Queue() for _ in range(len(stages) + 1)]

    def work(stage, inbox, outbox):
        while True:
            item = inbox.get()
            if item is stop:
                return
            try:
                outbox.put(stage(item))
            except Exception:
                pass  # Bug: the error is lost

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
        for _ in crew:
            inbox.put(stop)
        for t in crew:
            t.join()
    queues[-1].put(stop)
    return list(iter(queues[-1].get, stop))
