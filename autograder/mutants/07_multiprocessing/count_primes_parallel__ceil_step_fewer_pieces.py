"""One piece per worker with a rounded-up step: for some limits that makes fewer pieces than workers."""
def count_primes_parallel(limit, workers, context=None):
    """Return how many primes are below `limit`, counted by `workers` processes."""
    ctx = context or mp.get_context()
    step = max(1, -(-limit // workers))  # round up so that nothing is left over
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    with ctx.Pool(workers) as pool:
        return sum(pool.starmap(my_primes.count_primes_between, bounds))
