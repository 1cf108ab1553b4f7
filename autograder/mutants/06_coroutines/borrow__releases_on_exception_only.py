"""Releases after a result or an Exception, but not when the task is cancelled during work."""


async def borrow(pool, work):
    res = await pool.acquire()
    try:
        result = await work(res)
    except Exception:  # Bug: CancelledError is a BaseException and skips this
        await asyncio.shield(pool.release(res))
        raise
    await asyncio.shield(pool.release(res))
    return result
