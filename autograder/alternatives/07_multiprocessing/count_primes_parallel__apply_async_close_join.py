"""Exactly one piece per worker through apply_async; the pool closed and joined by hand."""


def count_primes_parallel(limit, workers, context=None):
    ctx = mp.get_context() if context is None else context
    bounds = [(limit * k // workers, limit * (k + 1) // workers) for k in range(workers)]
    pool = ctx.Pool(processes=workers)
    try:
        pending = [pool.apply_async(my_primes.count_primes_between, b) for b in bounds]
        total = 0
        for result in pending:
            total += result.get(timeout=60)
    finally:
        pool.close()
        pool.join()
    return total
