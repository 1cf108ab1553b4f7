"""Awaits one call after another: never more than one runs at a time."""


async def gather_limited(factories, limit):
    results = []
    for factory in factories:
        results.append(await factory())  # Bug: the next call waits for this one
    return results
