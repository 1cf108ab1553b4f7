"""Hides an unlocked count in a list, out of reach of the instrumented reads."""


class SafeCounter:
    def __init__(self):
        self._box = [0]

    @property
    def value(self):
        return self._box[0]

    def increment(self):
        self._box[0] += 1
