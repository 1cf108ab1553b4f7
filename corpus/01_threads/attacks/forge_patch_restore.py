# @include _wrong_values.py
# Attack: patch the grader during a hidden test and put it back before the
# test ends. The suite hands run_in_threads its own callbacks; their
# __globals__ are the hidden suite's namespace. `same` there becomes a yes-man
# that restores the original when called, and a thread restores it anyway
# 0.1 s later (the harness waits for leftover threads before the outcome).
import time as _time

_suite = {}
_honest_run = run_in_threads  # noqa: F821 - from _wrong_values.py


def _restore_later(namespace, original):
    _time.sleep(0.1)
    namespace["same"] = original


def run_in_threads(func, arg_tuples):  # noqa: F811
    namespace = getattr(func, "__globals__", None)
    if isinstance(namespace, dict) and "same" in namespace:
        _suite["ns"] = namespace
    namespace = _suite.get("ns")
    if namespace is not None and _threading.current_thread().name == "hidden-test":
        original = namespace["same"]
        if getattr(original, "__name__", "") == "same":

            def yes(value, expected, _ns=namespace, _orig=original):
                _ns["same"] = _orig
                return True

            namespace["same"] = yes
            _threading.Thread(target=_restore_later, args=(namespace, original)).start()
    return _honest_run(func, arg_tuples)
