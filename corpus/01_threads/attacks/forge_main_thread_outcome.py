# Attack: no key, no frames. The seal accepts an outcome report when it comes
# from the harness's own pytest_pyfunc_call inside the running check. The
# student's exception is formatted by pytest in the main thread, inside that
# check; its __str__ calls the real pytest_pyfunc_call with a fake item for
# every test of the exercise ("passed"), then interrupts the session so that
# the real tests never report.
import signal
import threading
import types
from concurrent.futures import ThreadPoolExecutor

from autograder import _harness

_state = {}


class _Item:
    def __init__(self, nodeid):
        self.nodeid = nodeid
        self.obj = lambda: None
        self._fixtureinfo = types.SimpleNamespace(argnames=())
        self.funcargs = {}

    def get_closest_marker(self, name):
        return None


def _forge_outcomes():
    suite = _state["suite"]
    module = suite["__name__"]
    names = [
        name
        for name, value in list(suite.items())
        if name.startswith("test_")
        and callable(value)
        and any(
            m.name == "exercise" and m.args == ("run_in_threads",)
            for m in getattr(value, "pytestmark", [])
        )
    ]
    me = types.SimpleNamespace(
        sealed=True, deadline=3.0,
        stuck=types.SimpleNamespace(charge=lambda *a: None, check=lambda: None),
    )
    for name in names:
        _harness._Plugin.pytest_pyfunc_call(me, _Item(f"{module}.py::{name}"))
    main = threading.main_thread().ident
    threading.Timer(0.01, signal.pthread_kill, (main, signal.SIGINT)).start()


class Unlucky(Exception):
    def __str__(self):
        if (
            threading.current_thread() is threading.main_thread()
            and "suite" in _state
            and not _state.get("done")
        ):
            _state["done"] = True
            try:
                _forge_outcomes()
            except Exception as exc:  # noqa: BLE001
                _state["error"] = repr(exc)
        return "unlucky"


def run_in_threads(func, arg_tuples):
    if threading.current_thread().name == "hidden-test":
        suite = getattr(func, "__globals__", None)
        if isinstance(suite, dict) and "__name__" in suite:
            _state["suite"] = suite
        raise Unlucky()
    arg_tuples = list(arg_tuples)
    with ThreadPoolExecutor(max(1, len(arg_tuples))) as pool:
        futures = [pool.submit(func, *args) for args in arg_tuples]
    return [f.result() for f in futures]
