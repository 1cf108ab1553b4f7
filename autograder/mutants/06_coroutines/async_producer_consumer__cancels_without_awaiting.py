"""Waits with queue.join(), then cancels the consumers but returns before they have stopped."""


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

    consumers = [asyncio.create_task(consume()) for _ in range(n_consumers)]
    for item in items:
        await queue.put(item)
    await queue.join()
    for c in consumers:
        c.cancel()  # Bug: only a request; the tasks are still pending on return
    return results
