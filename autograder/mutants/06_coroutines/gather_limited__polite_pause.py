"""Worker pool of `limit` workers that pauses 10 ms after each call, so a finished call does not free its slot at once."""


async def gather_limited(factories, limit):
    """Await factory() for every factory, at most `limit` at a time; results in order."""
    factories = list(factories)
    results = [None] * len(factories)
    todo = iter(enumerate(factories))

    async def worker():
        for index, factory in todo:
            results[index] = await factory()
            await asyncio.sleep(0.01)  # be polite to the other workers

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(limit, len(factories))):
                group.create_task(worker())
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return results
