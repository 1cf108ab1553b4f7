"""With context=None it picks fork itself instead of the default start method."""


def count_primes_parallel(limit, workers, context=None):
    ctx = context if context is not None else mp.get_context("fork")
    step = max(1, -(-limit // (4 * workers)))
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    with ctx.Pool(workers) as pool:
        return sum(pool.starmap(my_primes.count_primes_between, bounds))
