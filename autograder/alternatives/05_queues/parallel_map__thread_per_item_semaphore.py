"""Starts one short-lived thread per item, at most max_workers at a time, counted by a semaphore."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    slots = threading.Semaphore(max_workers)
    results, errors, threads = [], {}, []

    def call(index, item):
        try:
            results[index] = func(item)
        except BaseException as exc:
            errors[index] = exc
        finally:
            slots.release()  # lets the next item start

    for index, item in enumerate(items):  # read by this thread only
        slots.acquire()  # blocks while max_workers calls are running
        if errors:
            break  # calls not started yet may be skipped
        results.append(None)
        thread = threading.Thread(target=call, args=(index, item), daemon=True)
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return results
