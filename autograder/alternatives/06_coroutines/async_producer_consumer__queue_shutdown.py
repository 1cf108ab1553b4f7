"""No sentinels: the producer calls queue.shutdown() (Python 3.13) and consumers stop on QueueShutDown; failures handled with asyncio.wait."""


async def producer_consumer(items, handle, n_consumers):
    """Feed items through a bounded asyncio.Queue to n_consumers tasks that await handle."""
    queue = asyncio.Queue(maxsize=n_consumers)
    results = []

    async def produce():
        try:
            for item in items:
                await queue.put(item)
        finally:
            queue.shutdown()  # get() drains what is left, then raises QueueShutDown

    async def consume():
        while True:
            try:
                item = await queue.get()
            except asyncio.QueueShutDown:
                return
            results.append(await handle(item))

    tasks = [asyncio.create_task(produce())]
    tasks += [asyncio.create_task(consume()) for _ in range(n_consumers)]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        waiting = asyncio.gather(*tasks, return_exceptions=True)
        interrupted = False
        while not waiting.done():
            try:
                await asyncio.shield(waiting)
            except asyncio.CancelledError:
                interrupted = True  # finish the clean-up first
        if interrupted:
            raise asyncio.CancelledError
    failed = [t for t in done if not t.cancelled() and t.exception() is not None]
    if failed:
        # the first task that failed: asyncio.wait returned as soon as it did
        raise failed[0].exception()
    return results
