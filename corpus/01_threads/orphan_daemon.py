"""Leaves a daemon behind (double fork into a new session), then ends its own kernel."""
import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(3600)
    os._exit(0)
time.sleep(0.5)
os._exit(0)
