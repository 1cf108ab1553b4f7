"""Schedules by hand with asyncio.wait(FIRST_COMPLETED): a new task whenever one finishes."""


async def gather_limited(factories, limit):
    factories = list(factories)
    results = [None] * len(factories)
    running = {}  # task -> index
    next_index = 0

    async def call(factory):
        return await factory()

    try:
        while next_index < len(factories) or running:
            while next_index < len(factories) and len(running) < limit:
                task = asyncio.ensure_future(call(factories[next_index]))
                running[task] = next_index
                next_index += 1
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                index = running.pop(task)
                results[index] = task.result()  # raises the call's exception
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
    return results
