"""Leaves a forked child spinning for ever: only the sweep at the end stops it."""
import os

if os.fork() == 0:
    while True:
        pass
# @right
