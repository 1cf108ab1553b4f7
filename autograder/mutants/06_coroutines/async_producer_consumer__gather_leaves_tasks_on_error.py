"""Runs the tasks with asyncio.gather, which leaves the others running after an exception."""


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
        while (item := await queue.get()) is not stop:
            results.append(await handle(item))

    # Bug: when a consumer raises, gather raises at once and abandons the rest.
    await asyncio.gather(produce(), *(consume() for _ in range(n_consumers)))
    return results
