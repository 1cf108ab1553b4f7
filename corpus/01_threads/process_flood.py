"""Forks child after child, each sleeping for an hour, until something stops it."""
import os
import time

while True:
    if os.fork() == 0:
        time.sleep(3600)
        os._exit(0)
