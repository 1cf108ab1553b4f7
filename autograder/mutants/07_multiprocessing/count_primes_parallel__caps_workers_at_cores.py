"""Never starts more workers than the machine has cores, whatever `workers` says."""
import os


def count_primes_parallel(limit, workers, context=None):
    ctx = context or mp.get_context()
    step = max(1, -(-limit // (4 * workers)))
    bounds = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    with ctx.Pool(min(workers, os.cpu_count() or 1)) as pool:
        return sum(pool.starmap(my_primes.count_primes_between, bounds))
