"""An async context manager class whose __aexit__ finishes the release before passing on a cancellation."""


class _Borrowed:
    def __init__(self, pool):
        self.pool = pool

    async def __aenter__(self):
        self.res = await self.pool.acquire()
        return self.res

    async def __aexit__(self, exc_type, exc, tb):
        done = asyncio.Event()
        release = asyncio.ensure_future(self.pool.release(self.res))
        release.add_done_callback(lambda _: done.set())
        cancelled = 0
        while not done.is_set():
            try:
                await done.wait()  # cancelling this wait leaves the release alone
            except asyncio.CancelledError:
                cancelled += 1
        release.result()
        if cancelled:
            raise asyncio.CancelledError()
        return False


async def borrow(pool, work):
    async with _Borrowed(pool) as res:
        return await work(res)
