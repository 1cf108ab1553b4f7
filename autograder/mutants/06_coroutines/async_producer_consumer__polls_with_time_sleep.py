"""Consumers poll an empty queue with time.sleep, which blocks the event loop for ever."""


async def producer_consumer(items, handle, n_consumers):
    queue = asyncio.Queue(maxsize=n_consumers)
    stop = object()
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(stop)

    async def consume():
        while True:
            while queue.empty():
                time.sleep(0.01)  # Bug: blocks the loop, so the producer never runs
            item = queue.get_nowait()
            if item is stop:
                return
            results.append(await handle(item))

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(n_consumers):
                group.create_task(consume())
            group.create_task(produce())
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
