"""Semaphore-guarded tasks under asyncio.gather; on the first error cancels the rest and gathers them before re-raising."""


async def gather_limited(factories, limit):
    """Await factory() for every factory, at most `limit` at a time; results in order."""
    slots = asyncio.Semaphore(limit)

    async def run(factory):
        async with slots:
            return await factory()

    tasks = [asyncio.create_task(run(factory)) for factory in factories]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # let them finish cancelling
        raise
