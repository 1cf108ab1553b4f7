"""Uses asyncio.Queue(maxsize=1) instead of maxsize=n_consumers."""


async def producer_consumer(items, handle, n_consumers):
    """Feed items through a bounded asyncio.Queue to n_consumers tasks that await handle."""
    queue = asyncio.Queue(maxsize=1)  # one item waiting is enough
    stop = object()
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(stop)

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
