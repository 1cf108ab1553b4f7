"""Starts every call at once with asyncio.gather: the limit is ignored."""


async def gather_limited(factories, limit):
    tasks = [asyncio.ensure_future(factory()) for factory in factories]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
