"""Lets the TaskGroup's ExceptionGroup escape instead of the exception itself."""


async def gather_limited(factories, limit):
    factories = list(factories)
    results = [None] * len(factories)
    slots = asyncio.Semaphore(limit)

    async def run(index, factory):
        async with slots:
            results[index] = await factory()

    async with asyncio.TaskGroup() as group:  # Bug: no unwrapping
        for index, factory in enumerate(factories):
            group.create_task(run(index, factory))
    return results
