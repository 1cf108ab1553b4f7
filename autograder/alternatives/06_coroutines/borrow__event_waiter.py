"""Runs the release as a task and waits on an Event set by its done-callback, counting cancels in the meantime."""


async def _release_to_the_end(pool, res):
    """Release res in a task of its own; return True if we were cancelled while waiting."""
    finished = asyncio.Event()
    release = asyncio.get_running_loop().create_task(pool.release(res))
    release.add_done_callback(lambda _task: finished.set())
    interrupted = False
    while not finished.is_set():
        try:
            await finished.wait()
        except asyncio.CancelledError:
            interrupted = True
    release.result()
    return interrupted


async def borrow(pool, work):
    """Acquire a resource, await work(res), and always release it, even under cancellation."""
    res = await pool.acquire()
    try:
        outcome = await work(res)
    except BaseException:
        if await _release_to_the_end(pool, res):
            raise asyncio.CancelledError  # a cancel during the release wins
        raise  # the work's own error, or its CancelledError
    if await _release_to_the_end(pool, res):
        raise asyncio.CancelledError
    return outcome
