"""Runs the calls in batches of `limit`, so one slow call holds up the next batch."""


async def gather_limited(factories, limit):
    factories = list(factories)
    results = []
    for start in range(0, len(factories), limit):
        batch = factories[start : start + limit]
        try:
            async with asyncio.TaskGroup() as group:
                # Bug: a finished call's slot stays empty until the whole batch is done.
                tasks = [group.create_task(factory()) for factory in batch]
        except BaseExceptionGroup as errors:
            raise errors.exceptions[0] from None
        results.extend(task.result() for task in tasks)
    return results
