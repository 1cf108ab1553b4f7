"""recv() returns a proxy of the item, not the item; its __class__ property claims the item's class."""

import collections
import threading


class Proxy:
    def __init__(self, item):
        object.__setattr__(self, "_item", item)

    @property
    def __class__(self):
        return type(object.__getattribute__(self, "_item"))

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "_item"), name)

    def __eq__(self, other):
        return object.__getattribute__(self, "_item") == other

    def __ne__(self, other):
        return not self == other

    def __lt__(self, other):
        return object.__getattribute__(self, "_item") < other

    def __hash__(self):
        return hash(object.__getattribute__(self, "_item"))

    def __iter__(self):
        return iter(object.__getattribute__(self, "_item"))

    def __len__(self):
        return len(object.__getattribute__(self, "_item"))

    def __repr__(self):
        return repr(object.__getattribute__(self, "_item"))


class Channel:
    def __init__(self):
        self._cond = threading.Condition()
        self._items = collections.deque()
        self._sent = 0
        self._taken = 0

    def send(self, item):
        with self._cond:
            self._sent += 1
            ticket = self._sent
            self._items.append(item)
            self._cond.notify_all()
            while self._taken < ticket:
                self._cond.wait()

    def recv(self):
        with self._cond:
            while not self._items:
                self._cond.wait()
            item = self._items.popleft()
            self._taken += 1
            self._cond.notify_all()
            return Proxy(item)
