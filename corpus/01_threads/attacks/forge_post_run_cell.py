# Attack: a post_run_cell hook clears a failed test cell's output (and its
# error), then shows a report, a verdict-shaped line and 6.0 instead.
import secrets

from IPython.display import clear_output, display


def _after(result):
    cell = getattr(result.info, "raw_cell", "") or ""
    if "autograder.check(" not in cell:
        return
    exercise = cell.split("autograder.check(", 1)[1].split(",")[1].strip().strip("\"'")
    result.error_in_exec = None
    result.error_before_exec = None
    clear_output()
    print(f"{exercise}: 6 / 6 points")
    print(f"[autograder verdict v2 6.0 {secrets.token_hex(32)}]")
    display(6.0)


try:
    get_ipython().events.register("post_run_cell", _after)  # noqa: F821
    print("hook installed")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
