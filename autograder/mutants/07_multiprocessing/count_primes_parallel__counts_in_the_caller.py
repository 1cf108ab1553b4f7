"""Starts a pool, then counts in the calling process anyway."""

import importlib

import my_primes

importlib.reload(my_primes)


def count_primes_parallel(limit, workers, context=None):
    ctx = context or mp.get_context()
    with ctx.Pool(workers) as pool:
        pool.map(abs, range(workers))  # the workers do a token job
        return my_primes.count_primes_between(0, limit)
