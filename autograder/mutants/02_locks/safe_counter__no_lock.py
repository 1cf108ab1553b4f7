"""Uses no lock at all: two threads can read the same count and both write count + 1."""


class SafeCounter:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1
