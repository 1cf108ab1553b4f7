"""A pool of `limit` worker tasks that take the next factory from a shared iterator."""


async def gather_limited(factories, limit):
    factories = list(factories)
    results = [None] * len(factories)
    todo = iter(enumerate(factories))

    async def worker():
        # No await between next() and the call: a task switch can't split them.
        for index, factory in todo:
            results[index] = await factory()

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(limit, len(factories))):
                group.create_task(worker())
    except* BaseException as errors:
        raise errors.exceptions[0] from None
    return results
