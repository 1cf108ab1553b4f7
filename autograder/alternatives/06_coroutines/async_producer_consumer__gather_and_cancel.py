"""Plain tasks and gather; on failure, cancel every task and wait for them in finally."""


async def producer_consumer(items, handle, n_consumers):
    queue = asyncio.Queue(maxsize=n_consumers)
    done = object()
    results = []

    async def produce():
        for item in items:
            await queue.put(item)
        for _ in range(n_consumers):
            await queue.put(done)

    async def consume():
        while True:
            item = await queue.get()
            if item is done:
                return
            results.append(await handle(item))

    tasks = [asyncio.create_task(produce())]
    tasks += [asyncio.create_task(consume()) for _ in range(n_consumers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
