"""Makes every piece at least two numbers long, so a small `limit` gets fewer pieces than workers."""


def count_primes_parallel(limit, workers, context=None):
    ctx = context or mp.get_context()
    step = max(2, -(-limit // (4 * workers)))  # "a piece of one number is silly"
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    with ctx.Pool(workers) as pool:
        return sum(pool.starmap(my_primes.count_primes_between, bounds))
