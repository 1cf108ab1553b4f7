"""Runs each stage's workers as long-running tasks in one ThreadPoolExecutor, with errors in their futures."""

from concurrent.futures import wait


def run_pipeline(items, stages, workers_per_stage):
    if workers_per_stage < 1:
        raise ValueError("workers_per_stage must be at least 1")
    sentinel = object()
    queues = [queue.Queue() for _ in stages] + [queue.Queue()]
    failed = threading.Event()

    def loop(stage, inbox, outbox):
        while (item := inbox.get()) is not sentinel:
            if failed.is_set():
                continue
            try:
                outbox.put(stage(item))
            except BaseException:
                failed.set()
                raise  # kept in this task's future

    tasks = []
    with ThreadPoolExecutor(max_workers=workers_per_stage * len(stages)) as pool:
        crews = [
            [pool.submit(loop, stage, queues[k], queues[k + 1]) for _ in range(workers_per_stage)]
            for k, stage in enumerate(stages)
        ]
        for item in items:
            queues[0].put(item)
        for k, crew in enumerate(crews):
            for _ in crew:
                queues[k].put(sentinel)
            wait(crew)
            tasks += crew
    for task in tasks:
        if task.exception() is not None:
            raise task.exception()
    queues[-1].put(sentinel)
    return list(iter(queues[-1].get, sentinel))
