"""Calls every factory up front and limits only the awaiting, so work that starts at once is not limited."""


async def gather_limited(factories, limit):
    awaitables = [factory() for factory in factories]  # Bug: a factory may start its work now
    results = [None] * len(awaitables)
    slots = asyncio.Semaphore(limit)

    async def run(index, awaitable):
        async with slots:
            results[index] = await awaitable

    try:
        async with asyncio.TaskGroup() as group:
            for index, awaitable in enumerate(awaitables):
                group.create_task(run(index, awaitable))
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
