"""Uses asyncio.gather, which raises the first exception but leaves the other calls running."""


async def gather_limited(factories, limit):
    slots = asyncio.Semaphore(limit)

    async def run(factory):
        async with slots:
            return await factory()

    # Bug: on failure, the other tasks keep running after gather has raised.
    return await asyncio.gather(*(run(f) for f in factories))
