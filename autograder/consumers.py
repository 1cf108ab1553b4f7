"""A consumer for the hidden coprocess tests of 07_multiprocessing.

The tests run the student's module as ``python -m my_coprocess
autograder.consumers:PickleEcho``; the child builds this consumer and serves
its stdin to it. It lives with the grader, not in ``coursekit``, because its
``send`` is half of the exercise's answer.
"""

from __future__ import annotations

import pickle
import sys


class PickleEcho:
    """Report to stdout, as pickles: ("ready",) once made, ("item", x) for each x sent,
    then ("closed", count).

    The hidden tests read these back from the coprocess's stdout to see what
    its consumer received, and when. "ready" tells them that the child has
    started, so that they can time each delivery without its start-up.
    """

    def __init__(self) -> None:
        self.count = 0
        self.out = sys.stdout.buffer
        pickle.dump(("ready",), self.out)
        self.out.flush()

    def send(self, item) -> None:
        self.count += 1
        pickle.dump(("item", item), self.out)
        self.out.flush()

    def close(self) -> None:
        pickle.dump(("closed", self.count), self.out)
        self.out.flush()
