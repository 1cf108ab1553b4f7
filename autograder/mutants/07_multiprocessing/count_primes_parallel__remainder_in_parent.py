"""Gives each worker limit // workers numbers and counts the leftover tail in the notebook itself."""
def count_primes_parallel(limit, workers, context=None):
    """Return how many primes are below `limit`, counted by `workers` processes."""
    ctx = context or mp.get_context()
    step = limit // workers
    bounds = [(i * step, (i + 1) * step) for i in range(workers)]
    with ctx.Pool(workers) as pool:
        counted = sum(pool.starmap(my_primes.count_primes_between, bounds))
    # the few numbers that did not divide evenly: not worth a round trip
    return counted + my_primes.count_primes_between(workers * step, limit)
