"""Counts primes up to and including `limit`, not below it."""

import importlib

import my_primes

importlib.reload(my_primes)


def count_primes_parallel(limit, workers, context=None):
    ctx = context or mp.get_context()
    stop = limit + 1
    step = max(1, -(-stop // (4 * workers)))
    bounds = [(start, min(start + step, stop)) for start in range(0, stop, step)]
    with ctx.Pool(workers) as pool:
        return sum(pool.starmap(my_primes.count_primes_between, bounds))
