"""Releases only a truthy resource, so a resource such as 0 or "" is never given back."""


async def borrow(pool, work):
    """Acquire a resource, await work(res), and always release it, even under cancellation."""
    res = None
    try:
        res = await pool.acquire()
        return await work(res)
    finally:
        if res:
            release = asyncio.ensure_future(pool.release(res))
            cancelled = False
            while not release.done():
                try:
                    await asyncio.shield(release)
                except asyncio.CancelledError:
                    cancelled = True
            release.result()
            if cancelled:
                raise asyncio.CancelledError
