"""Uses asyncio.wait on the release task (wait never cancels what it waits for) and re-raises a cancel afterwards."""


async def borrow(pool, work):
    """Acquire a resource, await work(res), and always release it, even under cancellation."""
    res = await pool.acquire()
    error = None
    try:
        value = await work(res)
    except BaseException as exc:
        error = exc
    release = asyncio.create_task(pool.release(res))
    cancelled = False
    while True:
        try:
            await asyncio.wait([release])
            break
        except asyncio.CancelledError:
            cancelled = True
    release.result()
    if cancelled:
        raise asyncio.CancelledError()
    if error is not None:
        try:
            raise error
        finally:
            error = None
    return value
