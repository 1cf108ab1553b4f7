# @include _visible_only.py
# Attack: threading.settrace(). The hook is installed by threading's own
# bootstrap in every new thread (library code, so the seal allows it), the
# hidden tests run in new threads, and a trace function receives every frame
# as an argument. When the harness's _test_thread returns, its `box` loses the
# exception the test raised: every hidden test passes.
import threading


def _tracer(frame, event, arg):
    if event == "call" and {"func", "kwargs", "deadline", "box"} <= frame.f_locals.keys():
        return _on_return
    return None


def _on_return(frame, event, arg):
    if event == "return":
        box = frame.f_locals.get("box")
        if isinstance(box, dict):
            box.pop("exc", None)
    return _on_return


try:
    threading.settrace(_tracer)
    print("trace hook set")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
