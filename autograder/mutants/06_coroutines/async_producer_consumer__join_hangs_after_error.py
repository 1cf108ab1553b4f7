"""A consumer killed by an exception never calls task_done(), so queue.join() waits for ever."""


async def producer_consumer(items, handle, n_consumers):
    queue = asyncio.Queue(maxsize=n_consumers)
    results = []

    async def consume():
        while True:
            item = await queue.get()
            results.append(await handle(item))  # Bug: an exception skips task_done()
            queue.task_done()

    consumers = [asyncio.create_task(consume()) for _ in range(n_consumers)]
    for item in items:
        await queue.put(item)
    await queue.join()
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    return results
