"""Uses None as the sentinel, so a real None item stops a consumer and is never handled."""


async def producer_consumer(items, handle, n_consumers):
    queue = asyncio.Queue(maxsize=n_consumers)
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(None)

    async def consume():
        while (item := await queue.get()) is not None:  # Bug: None can be an item
            results.append(await handle(item))

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(n_consumers):
                group.create_task(consume())
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
