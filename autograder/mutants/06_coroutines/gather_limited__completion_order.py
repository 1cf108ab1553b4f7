"""Collects results with as_completed, so they come back in completion order."""


async def gather_limited(factories, limit):
    slots = asyncio.Semaphore(limit)

    async def run(factory):
        async with slots:
            return await factory()

    tasks = [asyncio.ensure_future(run(f)) for f in factories]
    results = []
    try:
        for next_done in asyncio.as_completed(tasks):
            results.append(await next_done)  # Bug: the order they finish in
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return results
