"""A lock acquired twice at module level: the cell deadlocks until the cell timeout."""
import threading

_lock = threading.Lock()
_lock.acquire()
_lock.acquire()
