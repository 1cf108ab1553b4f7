"""Guards each call with an asyncio.Lock, a limit of one whatever `limit` says."""


async def gather_limited(factories, limit):
    factories = list(factories)
    results = [None] * len(factories)
    guard = asyncio.Lock()  # Bug: should be Semaphore(limit)

    async def run(index, factory):
        async with guard:
            results[index] = await factory()

    try:
        async with asyncio.TaskGroup() as group:
            for index, factory in enumerate(factories):
                group.create_task(run(index, factory))
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
