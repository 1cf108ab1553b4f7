"""Runs the stages one after another in batches: no stage works while another does."""


def run_pipeline(items, stages, workers_per_stage):
    current = list(items)
    for stage in stages:
        inbox, results, errors = queue.Queue(), [], []
        for x in current:
            inbox.put(x)

        def work():
            while True:
                try:
                    x = inbox.get_nowait()
                except queue.Empty:
                    return
                try:
                    results.append(stage(x))
                except Exception as exc:
                    errors.append(exc)

        crew = [threading.Thread(target=work) for _ in range(workers_per_stage)]
        for t in crew:
            t.start()
        for t in crew:
            t.join()  # Bug: the next stage waits for this whole batch
        if errors:
            raise errors[0]
        current = results
    return current
