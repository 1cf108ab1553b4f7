"""Starts thousands of threads that sleep for an hour."""
import threading
import time

for _ in range(10_000):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
