"""The grade seal (autograder/_seal.py): what a notebook can and cannot do to its score.

Each scenario runs in a fresh Python process that arms the seal exactly as a
grading kernel does, then plays the student. The facts checked are the
verdicts the grader would accept (signed with the key only the test and the
seal know), never the report the harness prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils as nbutils

from autograder import _guard

ROOT = Path(__file__).resolve().parents[1]
GUARD = True  # the seal on, as in every grading kernel

PRELUDE = """
import json, sys, tempfile, io, contextlib
sys.path.insert(0, {root!r})
from autograder import _guard
_guard.arm({path!r})
import autograder

def run(ns, exercise="run_in_threads", points=6):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            autograder.check("01_threads", exercise, points, ns)
        except BaseException as exc:
            print("raised", type(exc).__name__)
    return buf.getvalue()

def attempt(f):
    try:
        f()
    except PermissionError:
        return "denied"
    except Exception as exc:
        return "error " + type(exc).__name__
    return "allowed"

def right(func, arglist):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(len(arglist) or 1) as ex:
        futures = [ex.submit(func, *a) for a in arglist]
    return [f.result() for f in futures]
"""


def _play(tmp_path, body: str, timeout: float = 120) -> tuple[bytes, dict]:
    """Arm the seal in a fresh process, run `body`, return (key, the JSON it printed last)."""
    key = _guard.new_key()
    path = _guard.write_key(key, str(tmp_path), "01_threads")
    script = PRELUDE.format(root=str(ROOT), path=path) + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return key, json.loads(proc.stdout.strip().splitlines()[-1])


def _scores(key, text, exercise="run_in_threads", points=6):
    return _guard.verified_scores(key, "01_threads", exercise, points, text)


def test_an_honest_check_gets_a_verdict_only_the_key_can_sign(tmp_path):
    key, out = _play(
        tmp_path,
        """
        print(json.dumps({"right": run({"run_in_threads": right}),
                          "wrong": run({"run_in_threads": lambda f, a: [f(*x) for x in a][::-1]})}))
        """,
    )
    assert _scores(key, out["right"]) == [6.0]
    wrong = _scores(key, out["wrong"])
    assert len(wrong) == 1 and wrong[0] < 6.0
    assert _scores(_guard.new_key(), out["right"]) == []


def test_the_ways_into_the_seal_are_denied(tmp_path):
    _, out = _play(
        tmp_path,
        """
        import gc, ctypes, types
        r = {
            "gc.get_objects": attempt(lambda: gc.get_objects()),
            "gc.get_referrers": attempt(lambda: gc.get_referrers(autograder)),
            "ctypes.string_at": attempt(lambda: ctypes.string_at(id(1), 8)),
            "ctypes.CDLL": attempt(lambda: ctypes.CDLL(None)),
            "/proc/self/mem": attempt(lambda: open("/proc/self/mem", "rb")),
            "settrace": attempt(lambda: sys.settrace(lambda *a: None)),
            "setprofile": attempt(lambda: sys.setprofile(lambda *a: None)),
            "_current_frames": attempt(lambda: sys._current_frames()),
            "code.replace": attempt(lambda: (lambda: 1).__code__.replace(co_name="x")),
            "function from the grader's code": attempt(lambda: types.FunctionType(
                autograder._harness._sealed_check.__code__, {})),
        }
        print(json.dumps(r))
        """,
    )
    assert out == dict.fromkeys(out, "denied"), out


def test_the_join_helpers_look_at_stacks_but_give_no_frame_away(tmp_path):
    # autograder.testing.joining and join_timeout may call sys._current_frames in a
    # grading kernel (the hidden tests use them); anyone may call them, and they return
    # a bool or a join's timeout, never a frame. sys._current_frames itself stays denied.
    _, out = _play(
        tmp_path,
        """
        import threading, time
        from autograder.testing import joining, join_timeout
        gate = threading.Event()
        sleeper = threading.Thread(target=gate.wait, args=(5,))
        sleeper.start()
        joiner = threading.Thread(target=sleeper.join)
        joiner.start()
        time.sleep(0.2)
        r = {
            "joining": repr(joining(joiner)),
            "not joining": repr(joining(sleeper)),
            "join_timeout": repr(join_timeout(joiner)),
            "_current_frames": attempt(lambda: sys._current_frames()),
        }
        gate.set()
        print(json.dumps(r))
        """,
    )
    assert out == {
        "joining": "True",
        "not joining": "False",
        "join_timeout": "(False, None)",
        "_current_frames": "denied",
    }, out


def test_a_request_that_does_not_come_from_the_harness_gets_no_verdict(tmp_path):
    key, out = _play(
        tmp_path,
        """
        box = []
        sys.audit("autograder.begin", "01_threads", "run_in_threads", 6.0, box)
        sys.audit("autograder.collected", (("x", 1.0),))
        sys.audit("autograder.outcome", "x", "passed")
        end = []
        sys.audit("autograder.end", end)
        print(json.dumps({"box": repr(box), "end": repr(end)}))
        """,
    )
    assert out == {"box": "[]", "end": "[]"}


def test_the_students_code_cannot_reach_the_graders_frames(tmp_path):
    key, out = _play(
        tmp_path,
        """
        import inspect, traceback
        seen = []
        def run_in_threads(func, arglist):
            seen.append(attempt(lambda: sys._getframe(1)))
            seen.append(attempt(lambda: inspect.stack()))
            seen.append(attempt(lambda: traceback.walk_stack(None).__next__()))
            try:
                raise ValueError
            except ValueError as exc:
                seen.append(attempt(lambda: exc.__traceback__.tb_frame))
            return right(func, arglist)
        text = run({"run_in_threads": run_in_threads})
        print(json.dumps({"seen": sorted(set(seen)), "text": text}))
        """,
    )
    assert out["seen"] == ["denied"]
    # Tracebacks still print: the harness reports with the traceback module.
    assert "PermissionError" not in out["text"].split("\n")[0]


def test_patching_what_the_harness_relies_on_scores_zero(tmp_path):
    key, out = _play(
        tmp_path,
        """
        import pathlib, builtins, _pytest.outcomes
        ns = {"run_in_threads": lambda f, a: [f(*x) for x in a]}  # serial: wrong
        pathlib.Path.resolve = lambda self, *a, **k: self
        t1 = run(ns)
        print(json.dumps({"pathlib": t1}))
        """,
    )
    assert _scores(key, out["pathlib"]) == [0.0]


def test_a_skip_raised_by_the_students_code_fails_the_test(tmp_path):
    key, out = _play(
        tmp_path,
        """
        import pytest
        def run_in_threads(func, arglist):
            pytest.skip("nothing to see")
        print(json.dumps({"skip": run({"run_in_threads": run_in_threads})}))
        """,
    )
    assert _scores(key, out["skip"]) == [0.0]


# --------------------------------------------------------------------------
# In a real grading kernel: IPython's own hooks cannot fake a pass


REPLACEMENTS = {
    "a fake verdict": "print('[autograder verdict v2 6.0 ' + 'a' * 64 + ']'); 6.0",
    "no check at all": "None",
    "a check of the lesson's answer": "autograder.check('01_threads', 'heartbeat', 6, {})",
}
FORGER = r"""
import re, sys
from IPython import get_ipython
ip = get_ipython()
def rewrite(lines):
    # Replace every hidden check with REPLACEMENT.
    return [re.sub(r"autograder\.check\(.*", REPLACEMENT, l) for l in lines]
ip.input_transformers_post.append(rewrite)
def clear_errors(result):
    result.error_in_exec = None
ip.events.register("post_run_cell", clear_errors)
ip.showtraceback = lambda *a, **k: None
"""


@pytest.fixture(scope="module")
def release_01():
    """The blank release as nbgrader grades it: the hidden tests put back into its test cells."""
    from autograder.course import answer_sources, replace_answers

    release = nbformat.read(ROOT / "release" / "01_threads" / "01_threads.ipynb", as_version=4)
    master = nbformat.read(ROOT / "source" / "01_threads" / "01_threads.ipynb", as_version=4)
    return replace_answers(master, answer_sources(release))


def _grade_with_safe_execute(nb, tmp_path):
    from autograder.preprocessors import SafeExecute

    work = tmp_path / "work"
    work.mkdir(parents=True)
    ep = SafeExecute(timeout=60, guard=GUARD)
    resources = {
        "nbgrader": {"assignment": "01_threads", "notebook": "01_threads"},
        "metadata": {"path": str(work)},
    }
    nb, _ = ep.preprocess(nb, resources)
    scores = {}
    for cell in nb.cells:
        if nbutils.is_grade(cell) and cell.cell_type == "code" and not nbutils.is_solution(cell):
            scores[cell.metadata.nbgrader["grade_id"]] = nbutils.determine_grade(cell)[0]
    return scores


@pytest.fixture(scope="module")
def honest_blank(release_01, tmp_path_factory):
    nb = nbformat.from_dict(json.loads(json.dumps(release_01)))
    return _grade_with_safe_execute(nb, tmp_path_factory.mktemp("honest"))


@pytest.mark.parametrize("replacement", sorted(REPLACEMENTS))
def test_ipython_hooks_cannot_turn_a_blank_notebook_into_a_pass(
    release_01, honest_blank, replacement, tmp_path
):
    honest = honest_blank
    forged_nb = nbformat.from_dict(json.loads(json.dumps(release_01)))
    forger = FORGER.replace("REPLACEMENT", repr(REPLACEMENTS[replacement]))
    forged_nb.cells.insert(0, nbformat.v4.new_code_cell(forger))
    forged = _grade_with_safe_execute(forged_nb, tmp_path / "b")
    assert set(honest) == set(forged) and honest
    for gid, score in forged.items():
        assert score <= honest[gid], (gid, score, honest[gid])
    assert all(score == 0 for score in forged.values()), forged


def test_a_write_undone_before_the_test_ends_still_scores_zero(tmp_path):
    """A namespace the grade depends on, written and put back within one test, is seen.

    The callbacks that a suite hands to student code carry the suite's namespace
    (``__globals__``) and its builtins (``__builtins__``); the helper module
    ``_trust`` is in ``sys.modules``. Each scenario writes one of them and undoes the
    write at once, from inside a hidden test: nothing is left for a snapshot to find.
    """
    key, out = _play(
        tmp_path,
        """
        import threading

        def wrong(func, arglist):
            return [func(*a) for a in arglist][::-1]  # the results in reverse order

        def touching(where):
            def run_in_threads(func, arglist):
                if threading.current_thread().name == "hidden-test":
                    space = {
                        "globals": getattr(func, "__globals__", None),
                        "builtins": getattr(func, "__builtins__", None),
                        "helper": vars(sys.modules.get("autograder.suites._trust", sys)),
                    }[where]
                    if isinstance(space, dict):
                        space["__probe__"] = 1
                        del space["__probe__"]
                return wrong(func, arglist)
            return run_in_threads

        out = {"wrong": run({"run_in_threads": wrong})}
        for where in ("globals", "builtins", "helper"):
            out[where] = run({"run_in_threads": touching(where)})
        print(json.dumps(out))
        """,
    )
    honest = _scores(key, out["wrong"])
    assert len(honest) == 1 and 0 < honest[0] < 6.0, out["wrong"]
    for where in ("globals", "builtins", "helper"):
        assert _scores(key, out[where]) == [0.0], f"{where}: {out[where][-600:]}"
        assert "written to while grading" in out[where], out[where][-600:]


def test_the_grader_classes_and_functions_cannot_be_patched_even_briefly(tmp_path):
    """A function's code is refused outright; a class attribute put back at once still shows."""
    key, out = _play(
        tmp_path,
        """
        import threading
        from autograder import _harness
        from autograder.suites import _trust
        plugin = _harness._Plugin
        func = next(v for v in vars(_trust).values()
                    if type(v).__name__ == "function" and v.__module__ == _trust.__name__)

        def wrong(f, arglist):
            return [f(*a) for a in arglist][::-1]

        def class_patch(f, arglist):
            if threading.current_thread().name == "hidden-test":
                original = plugin.pytest_pyfunc_call
                plugin.pytest_pyfunc_call = lambda *a, **k: True  # ... and put it back at once
                plugin.pytest_pyfunc_call = original
            return wrong(f, arglist)

        r = {
            "function code": attempt(lambda: setattr(func, "__code__", func.__code__)),
            "function defaults": attempt(lambda: setattr(func, "__defaults__", func.__defaults__)),
            "class": run({"run_in_threads": class_patch}),
            "wrong": run({"run_in_threads": wrong}),
        }
        class Mine:
            pass
        r["the notebook's own class"] = attempt(lambda: setattr(Mine, "x", 1))
        print(json.dumps(r))
        """,
    )
    assert out["function code"] == out["function defaults"] == "denied"
    assert out["the notebook's own class"] == "allowed"
    honest = _scores(key, out["wrong"])
    assert len(honest) == 1 and honest[0] > 0, out["wrong"]
    assert _scores(key, out["class"]) == [0.0], out["class"][-600:]
    assert "_Plugin was written to while grading" in out["class"], out["class"][-600:]


def test_the_test_deadline_reaches_the_kernel_with_the_seal(tmp_path):
    """c.SafeExecute.test_deadline travels in the bundle, not in the environment."""
    key = _guard.new_key()
    path = _guard.write_key(key, str(tmp_path), "01_threads", {"deadline": 7.5, "budget": 21})
    script = (
        f"import sys, json; sys.path.insert(0, {str(ROOT)!r})\n"
        "from autograder import _guard, _harness\n"
        f"_guard.arm({path!r})\n"
        "print(json.dumps([_harness.DEFAULT_DEADLINE, _harness.DEFAULT_BUDGET]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_")}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [7.5, 21.0]


@pytest.mark.parametrize("when", ["before", "during"])
def test_a_subinterpreter_made_while_grading_scores_zero(tmp_path, when):
    """The guard's audit hooks do not reach into a subinterpreter, so making one is tampering."""
    key, out = _play(
        tmp_path,
        f"""
        import threading
        try:
            import _interpreters as subint
        except ImportError:
            import _xxsubinterpreters as subint

        def make_one():
            iid = subint.create()
            subint.destroy(iid)

        def answer(func, arglist):
            if {when!r} == "during" and threading.current_thread().name == "hidden-test":
                make_one()
            return right(func, arglist)

        if {when!r} == "before":
            make_one()
        print(json.dumps({{"out": run({{"run_in_threads": answer}}),
                          "after": run({{"run_in_threads": right}})}}))
        """,
    )
    assert _scores(key, out["out"]) == [0.0], out["out"][-800:]
    assert "subinterpreter" in out["out"], out["out"][-800:]
    # The next check, with nothing new made, is graded as usual.
    assert _scores(key, out["after"]) == [6.0], out["after"][-800:]


SUBINTERPRETER_PROBE = """
import json, sys
sys.path.insert(0, {root!r})
if {arm!r}:
    from autograder import _guard
    _guard.arm({path!r})
try:
    import _interpreters as subint
except ImportError:
    import _xxsubinterpreters as subint
run = getattr(subint, "exec", None) or subint.run_string
TMP = {tmp!r}
ATTEMPTS = {{
    "ctypes": "import ctypes; ctypes.string_at(id(len), 8)",
    "gc": "import gc; gc.get_objects()",
    "other threads' frames": "import sys; sys._current_frames()",
    "a new code object": "(lambda: 0).__code__.replace(co_name='x')",
    "marshal": "import marshal; marshal.loads(marshal.dumps(1))",
    "a frozen module's name": "compile('1', '<frozen importlib._bootstrap>', 'eval')",
    "process memory": "open('/proc/self/mem', 'rb')",
}}
out = {{}}
for name, code in ATTEMPTS.items():
    iid = subint.create()
    wrapped = (
        "try:\\n"
        + "".join("    " + line + "\\n" for line in code.splitlines())
        + "    verdict = 'allowed'\\n"
        + "except PermissionError:\\n    verdict = 'denied'\\n"
        + "except Exception as exc:\\n    verdict = 'error ' + type(exc).__name__\\n"
        + f"open({{TMP!r}} + '/' + {{name!r}}.replace(' ', '_'), 'w').write(verdict)\\n"
    )
    run(iid, wrapped)
    subint.destroy(iid)
    out[name] = open(TMP + "/" + name.replace(" ", "_")).read()
# The import system still works in a subinterpreter.
iid = subint.create()
run(iid, "import json, decimal, threading, queue, pickle")
subint.destroy(iid)
print(json.dumps(out))
"""


@pytest.mark.parametrize("arm", [True, False], ids=["sealed", "control-unsealed"])
def test_a_subinterpreter_gets_no_memory_access(tmp_path, arm):
    """The C guard (autograder/native/subguard.c) judges every interpreter, not just the main one.

    09's exercise makes subinterpreters, so there making one cannot be refused;
    instead, what could reach the seal's memory is refused inside them. The
    unsealed control shows the same attempts succeed without it.
    """
    from autograder import _native

    why = _native.ensure()
    if why is not None:
        pytest.skip(f"the subinterpreter guard cannot be built here: {why}")
    key = _guard.new_key()
    path = _guard.write_key(key, str(tmp_path), "09_beyond_the_gil")
    script = SUBINTERPRETER_PROBE.format(root=str(ROOT), arm=arm, path=path, tmp=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if arm:
        assert out == dict.fromkeys(out, "denied"), out
    else:
        # Without the guard, gc and new code objects work in a subinterpreter on every version.
        assert out["gc"] == "allowed", out
        assert out["a new code object"] == "allowed", out
