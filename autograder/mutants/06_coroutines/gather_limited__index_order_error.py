"""Waits with FIRST_EXCEPTION and cancels the rest, but raises the failure of the lowest index, not the first in time."""


async def gather_limited(factories, limit):
    """Await factory() for every factory, at most `limit` at a time; results in order."""
    slots = asyncio.Semaphore(limit)

    async def run(factory):
        async with slots:
            return await factory()

    tasks = [asyncio.create_task(run(f)) for f in factories]
    if not tasks:
        return []
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    for task in tasks:  # report the first failed call in list order
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()
    return [task.result() for task in tasks]
