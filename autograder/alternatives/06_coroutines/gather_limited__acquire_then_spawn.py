"""Takes a semaphore slot before calling each factory, frees it from a done-callback, and cancels the rest by hand on the first failure."""


async def gather_limited(factories, limit):
    """Await factory() for every factory, at most `limit` at a time; results in order."""
    slots = asyncio.Semaphore(limit)
    loop = asyncio.get_running_loop()
    tasks = []
    failures = []  # in the order the calls failed

    def on_done(task):
        slots.release()  # a finished call frees its slot at once
        if not task.cancelled() and task.exception() is not None:
            failures.append(task.exception())

    async def call(factory):
        return await factory()

    try:
        for factory in factories:
            await slots.acquire()  # a failed call also frees its slot, so this can't hang
            if failures:
                slots.release()
                break
            task = loop.create_task(call(factory))
            task.add_done_callback(on_done)
            tasks.append(task)
        if tasks and not failures:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        if tasks:
            # wait for the cancelled calls to finish, even if we are cancelled meanwhile
            gathering = asyncio.ensure_future(asyncio.wait(tasks))
            while not gathering.done():
                try:
                    await asyncio.shield(gathering)
                except asyncio.CancelledError:
                    await gathering
                    raise
    await asyncio.sleep(0)  # let the last done-callbacks run
    if failures:
        raise failures[0]
    return [task.result() for task in tasks]
