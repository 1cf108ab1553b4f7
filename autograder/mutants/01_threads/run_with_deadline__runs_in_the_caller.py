"""Calls the worker in the calling thread, not in a new one."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    timer = threading.Timer(seconds, cancel.set)
    timer.start()
    try:
        return worker(cancel)
    finally:
        timer.cancel()
        timer.join()
