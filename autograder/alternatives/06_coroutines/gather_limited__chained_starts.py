"""Starts `limit` calls, and each finished call's wrapper starts the next factory itself (a chain), all inside one TaskGroup."""


async def gather_limited(factories, limit):
    """Await factory() for every factory, at most `limit` at a time; results in order."""
    factories = list(factories)
    results = [None] * len(factories)
    upcoming = iter(range(len(factories)))

    def start_next(group):
        index = next(upcoming, None)  # claim the index now, not when the task first runs
        if index is not None:
            group.create_task(lane(group, index))

    async def lane(group, index):
        results[index] = await factories[index]()
        start_next(group)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(limit):
                start_next(group)
    except* BaseException as errors:
        raise errors.exceptions[0] from None
    return results
