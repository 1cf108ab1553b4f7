# @include _visible_only.py
# @include _deliver.py
# @include _memscan.py
# Attack: the ways that worked before the seal. gc for the signing function or
# a 32-byte key; the public functions and attributes of autograder._guard,
# _seal and _harness; every module in sys.modules; sys._current_frames();
# /proc/self/mem by its own name; ctypes reads.
import gc
import sys
import types

_tried = {}


def _from_gc():
    for obj in gc.get_objects():
        if type(obj).__name__ == "function" and obj.__name__ == "sign":
            return obj
    return None


def _from_modules():
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType):
            continue
        for value in list(vars(module).values()):
            if type(value).__name__ == "HMAC":
                return lambda text, h=value: (lambda c: (c.update(text.encode()), c.hexdigest())[1])(h.copy())
    return None


def _from_frames():
    for frame in sys._current_frames().values():
        while frame is not None:
            handlers = frame.f_locals.get("handlers")
            if isinstance(handlers, dict) and "autograder.end" in handlers:
                for cell in handlers["autograder.end"].__closure__ or ():
                    if getattr(cell.cell_contents, "__name__", "") == "sign":
                        return cell.cell_contents
            frame = frame.f_back
    return None


def _from_ctypes():
    import ctypes

    ctypes.string_at(id(sys), 64)
    return None


def _from_proc_mem():
    key = scan_for_key("/proc/self/mem")
    return None if key is None else ("key", key)


_found = None
for _name, _way in [
    ("gc", _from_gc),
    ("sys.modules", _from_modules),
    ("_current_frames", _from_frames),
    ("ctypes", _from_ctypes),
    ("/proc/self/mem", _from_proc_mem),
]:
    try:
        _found = _way()
        _tried[_name] = "found" if _found else "nothing"
    except Exception as exc:  # noqa: BLE001
        _tried[_name] = type(exc).__name__
    if _found:
        break
print(_tried)
if isinstance(_found, tuple):
    deliver_key(_found[1])
elif _found is not None:
    deliver_sign(_found)
