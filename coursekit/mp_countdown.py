"""A coprocess for the lesson: read pickled objects from stdin, feed them to a Countdown.

Run it as ``python -m coursekit.mp_countdown`` with a pipe on its stdin. Each
object unpickled from stdin goes to ``Countdown.send``; end-of-file (the other
side closed the pipe) is the normal end, so it closes the consumer and exits 0.

Never point this at data you did not produce yourself: unpickling runs code.
"""

from __future__ import annotations

import pickle
import sys

from coursekit.mp_workers import Countdown


def main() -> int:
    consumer = Countdown()
    stream = sys.stdin.buffer  # pickles are bytes: read the binary stream, not the text one
    while True:
        try:
            item = pickle.load(stream)
        except EOFError:
            break
        consumer.send(item)
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
