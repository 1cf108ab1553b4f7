"""Finishes the release but swallows the CancelledError, so timeouts and task groups can't stop it."""


async def borrow(pool, work):
    res = await pool.acquire()
    try:
        return await work(res)
    finally:
        release = asyncio.ensure_future(pool.release(res))
        while not release.done():
            try:
                await asyncio.shield(release)
            except asyncio.CancelledError:
                pass  # Bug: the cancellation is forgotten
