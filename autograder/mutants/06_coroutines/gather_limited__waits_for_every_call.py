"""Waits for every call (return_exceptions=True), then raises the first failure in list order."""


async def gather_limited(factories, limit):
    slots = asyncio.Semaphore(limit)

    async def run(factory):
        async with slots:
            return await factory()

    results = await asyncio.gather(*(run(f) for f in factories), return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r  # Bug: too late, and not the first failure in time
    return results
