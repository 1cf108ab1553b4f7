"""Shields the release but raises at once when cancelled, before the release has finished."""


async def borrow(pool, work):
    res = await pool.acquire()
    try:
        return await work(res)
    finally:
        # Bug: shield keeps the release going, but the CancelledError comes out right away.
        await asyncio.shield(pool.release(res))
