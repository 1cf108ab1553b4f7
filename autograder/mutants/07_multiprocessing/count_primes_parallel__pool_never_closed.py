"""Never closes its pool, so the worker processes outlive the call."""

import importlib

import my_primes

importlib.reload(my_primes)


def count_primes_parallel(limit, workers, context=None):
    ctx = context or mp.get_context()
    step = max(1, -(-limit // (4 * workers)))
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    pool = ctx.Pool(workers)
    return sum(pool.starmap(my_primes.count_primes_between, bounds))
