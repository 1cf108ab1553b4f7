"""Runs the worker in a one-thread ThreadPoolExecutor and cancels a Timer once it is done."""

import threading
from concurrent.futures import ThreadPoolExecutor


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    timer = threading.Timer(seconds, cancel.set)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(worker, cancel)
        timer.start()
        try:
            error = future.exception()  # waits for the worker, however long
        finally:
            timer.cancel()
            timer.join()
    if error is not None:
        raise error
    return future.result()
