"""Collects as many outputs as there were inputs and returns, leaving the workers blocked."""


def run_pipeline(items, stages, workers_per_stage):
    items = list(items)
    queues = [queue.Queue() for _ in range(len(stages) + 1)]
    errors = []

    def work(stage, inbox, outbox):
        while True:  # Bug: no sentinel, so these threads never end
            item = inbox.get()
            try:
                outbox.put(stage(item))
            except Exception as exc:
                errors.append(exc)
                outbox.put(None)

    for stage, inbox, outbox in zip(stages, queues, queues[1:]):
        for _ in range(workers_per_stage):
            threading.Thread(target=work, args=(stage, inbox, outbox), daemon=True).start()
    for item in items:
        queues[0].put(item)
    results = [queues[-1].get() for _ in items]
    if errors:
        raise errors[0]
    return results
