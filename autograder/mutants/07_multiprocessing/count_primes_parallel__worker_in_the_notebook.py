"""Defines the worker function in the notebook: under spawn and forkserver the workers cannot import it."""

import importlib

import my_primes

importlib.reload(my_primes)


def count_piece(bounds):
    start, stop = bounds
    return sum(1 for n in range(start, stop) if my_primes.is_prime(n))


def count_primes_parallel(limit, workers, context=None):
    ctx = context or mp.get_context()
    step = max(1, -(-limit // (4 * workers)))
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    with ctx.Pool(workers) as pool:
        return sum(pool.map(count_piece, bounds))
