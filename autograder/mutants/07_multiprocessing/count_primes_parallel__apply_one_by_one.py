"""Hands out the pieces with blocking pool.apply, one after another: the workers never count at the same time."""
def count_primes_parallel(limit, workers, context=None):
    """Return how many primes are below `limit`, counted by `workers` processes."""
    ctx = context or mp.get_context()
    pieces = 4 * workers
    step = max(1, -(-limit // pieces))
    total = 0
    with ctx.Pool(workers) as pool:
        for start in range(0, limit, step):
            total += pool.apply(my_primes.count_primes_between, (start, min(start + step, limit)))
    return total
