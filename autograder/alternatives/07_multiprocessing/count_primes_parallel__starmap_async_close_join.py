"""Splits with divmod into exactly `workers` near-equal pieces, starmap_async, then close() and join() in a finally."""
def count_primes_parallel(limit, workers, context=None):
    """Return how many primes are below `limit`, counted by `workers` processes."""
    ctx = mp.get_context() if context is None else context
    size, extra = divmod(limit, workers)
    bounds = []
    start = 0
    for i in range(workers):
        stop = start + size + (1 if i < extra else 0)
        bounds.append((start, stop))
        start = stop
    pool = ctx.Pool(processes=workers)
    try:
        pending = pool.starmap_async(my_primes.count_primes_between, bounds, chunksize=1)
        total = sum(pending.get())
    finally:
        pool.close()
        pool.join()
    return int(total)
