"""A coprocess for the lesson: read numbers from stdin, one a line, and feed them to a Countdown.

Run it as ``python -m coursekit.mp_countdown`` with a pipe on its stdin. Each line
read from stdin is turned into an int and goes to ``Countdown.send``; end-of-file
(the other side closed the pipe) is the normal end, so it closes the consumer and
exits 0.
"""

from __future__ import annotations

import sys

from coursekit.mp_workers import Countdown


def main() -> int:
    consumer = Countdown()
    for line in sys.stdin:  # yields each line as soon as it arrives; stops at end-of-file
        consumer.send(int(line))
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
