"""Starts one consumer task whatever n_consumers says."""


async def producer_consumer(items, handle, n_consumers):
    queue = asyncio.Queue(maxsize=n_consumers)
    stop = object()
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        await queue.put(stop)

    async def consume():
        while (item := await queue.get()) is not stop:
            results.append(await handle(item))

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            group.create_task(consume())  # Bug: n_consumers is ignored
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
