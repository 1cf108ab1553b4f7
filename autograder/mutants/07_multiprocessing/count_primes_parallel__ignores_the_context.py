"""Ignores the context it is given and always uses the default start method."""

import importlib

import my_primes

importlib.reload(my_primes)


def count_primes_parallel(limit, workers, context=None):
    step = max(1, -(-limit // (4 * workers)))
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    with mp.Pool(workers) as pool:
        return sum(pool.starmap(my_primes.count_primes_between, bounds))
