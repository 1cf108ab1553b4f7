"""Waits with queue.join() for every item to be handled, then cancels the idle consumers."""


async def producer_consumer(items, handle, n_consumers):
    queue = asyncio.Queue(maxsize=n_consumers)
    results = []

    async def consume():
        while True:
            item = await queue.get()
            try:
                results.append(await handle(item))
            finally:
                queue.task_done()

    async def produce():
        for item in items:
            await queue.put(item)
        await queue.join()

    producer = asyncio.create_task(produce())
    tasks = [producer] + [asyncio.create_task(consume()) for _ in range(n_consumers)]
    try:
        # The producer ends when all is handled; a consumer ends only when handle raised.
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not producer or task.exception() is not None:
                raise task.exception()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
