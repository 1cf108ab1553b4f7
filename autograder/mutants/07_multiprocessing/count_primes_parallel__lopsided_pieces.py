"""Splits the range into `workers` pieces, but the last one holds nearly all of it."""


def count_primes_parallel(limit, workers, context=None):
    ctx = context or mp.get_context()
    small = limit // (50 * workers)
    cuts = [i * small for i in range(workers)] + [limit]
    bounds = [(cuts[i], cuts[i + 1]) for i in range(workers)]
    with ctx.Pool(workers) as pool:
        return sum(pool.starmap(my_primes.count_primes_between, bounds))
