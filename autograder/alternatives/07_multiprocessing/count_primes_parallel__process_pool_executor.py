"""A ProcessPoolExecutor on the given context, one future per piece, gathered as they finish."""
from concurrent.futures import ProcessPoolExecutor, as_completed


def count_primes_parallel(limit, workers, context=None):
    if context is None:
        context = mp.get_context()
    size = max(1, limit // (3 * workers) + 1)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        futures = [
            executor.submit(my_primes.count_primes_between, low, min(low + size, limit))
            for low in range(0, limit, size)
        ]
        return sum(future.result() for future in as_completed(futures))
