"""Uses the string "STOP" as the sentinel and compares with ==, so an item equal to "STOP" ends a consumer."""


async def producer_consumer(items, handle, n_consumers):
    """Feed items through a bounded asyncio.Queue to n_consumers tasks that await handle."""
    STOP = "STOP"
    queue = asyncio.Queue(maxsize=n_consumers)
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(STOP)

    async def consume():
        while True:
            item = await queue.get()
            if item == STOP:
                break
            results.append(await handle(item))

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(n_consumers):
                group.create_task(consume())
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
