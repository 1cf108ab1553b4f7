"""Maps my_primes.is_prime over range(limit) with an explicit chunksize (4 chunks per worker) and sums the booleans."""
def count_primes_parallel(limit, workers, context=None):
    """Return how many primes are below `limit`, counted by `workers` processes."""
    ctx = context if context is not None else mp.get_context()
    chunk = max(1, -(-limit // (4 * workers)))
    with ctx.Pool(workers) as pool:
        return int(sum(pool.imap_unordered(my_primes.is_prime, range(limit), chunksize=chunk)))
