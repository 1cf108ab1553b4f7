"""Closes the pool with close() but never joins it, so workers may still be running when it returns."""
def count_primes_parallel(limit, workers, context=None):
    """Return how many primes are below `limit`, counted by `workers` processes."""
    ctx = context or mp.get_context()
    pieces = 4 * workers
    step = max(1, -(-limit // pieces))
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    pool = ctx.Pool(workers)
    counts = pool.starmap(my_primes.count_primes_between, bounds)
    pool.close()  # no more work: the workers will exit
    return sum(counts)
