"""Counts running calls by hand and polls with sleep(0.01) for a free slot instead of waiting on a semaphore."""


async def gather_limited(factories, limit):
    """Await factory() for every factory, at most `limit` at a time; results in order."""
    results = [None] * len(factories)
    running = 0

    async def run(index, factory):
        nonlocal running
        while running >= limit:
            await asyncio.sleep(0.01)  # wait for a free slot
        running += 1
        try:
            results[index] = await factory()
        finally:
            running -= 1

    try:
        async with asyncio.TaskGroup() as group:
            for index, factory in enumerate(factories):
                group.create_task(run(index, factory))
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
