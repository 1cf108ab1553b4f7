"""Runs the release as a task and waits with asyncio.wait, which never cancels what it waits for."""


async def borrow(pool, work):
    res = await pool.acquire()
    cancelled = False
    try:
        return await work(res)
    except asyncio.CancelledError:
        cancelled = True
        raise
    finally:
        release = asyncio.create_task(pool.release(res))
        interrupted = False
        while not release.done():
            try:
                await asyncio.wait({release})
            except asyncio.CancelledError:
                interrupted = True
        release.result()
        if interrupted and not cancelled:
            raise asyncio.CancelledError()
