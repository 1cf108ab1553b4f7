"""Leaves two forked children spinning for ever: the notebook's CPU time runs out."""
import os

for _ in range(2):
    if os.fork() == 0:
        while True:
            pass
# @right
