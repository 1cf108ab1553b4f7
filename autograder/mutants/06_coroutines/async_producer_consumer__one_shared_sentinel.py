"""Puts a single sentinel on the queue: one consumer stops, the others wait for ever."""


async def producer_consumer(items, handle, n_consumers):
    queue = asyncio.Queue(maxsize=n_consumers)
    stop = object()
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        await queue.put(stop)  # Bug: one for n consumers

    async def consume():
        while (item := await queue.get()) is not stop:
            results.append(await handle(item))

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(n_consumers):
                group.create_task(consume())
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
