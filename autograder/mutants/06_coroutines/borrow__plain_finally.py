"""Releases in a plain finally: a cancellation during the release interrupts it, and the resource leaks."""


async def borrow(pool, work):
    res = await pool.acquire()
    try:
        return await work(res)
    finally:
        await pool.release(res)  # Bug: a CancelledError here stops the release
