"""Shields the release against one cancellation only: a second one cancels the release."""


async def borrow(pool, work):
    res = await pool.acquire()
    try:
        return await work(res)
    finally:
        release = asyncio.ensure_future(pool.release(res))
        try:
            await asyncio.shield(release)
        except asyncio.CancelledError:
            await release  # Bug: not shielded; a second cancel() reaches the release
            raise
