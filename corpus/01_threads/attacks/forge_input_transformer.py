# Attack: an IPython input transformer rewrites every test cell before it runs:
# no asserts, no check(), just a report, a verdict-shaped line and 6.0.
import secrets

_FAKE = """
print("{ex}: 6 / 6 points")
print("[autograder verdict v2 6.0 {mac}]")
6.0
"""


def _rewrite(lines):
    text = "".join(lines)
    if "autograder.check(" not in text:
        return lines
    exercise = text.split("autograder.check(", 1)[1].split(",")[1].strip().strip("\"'")
    return _FAKE.format(ex=exercise, mac=secrets.token_hex(32)).splitlines(keepends=True)


try:
    get_ipython().input_transformers_cleanup.append(_rewrite)  # noqa: F821
    get_ipython().input_transformers_post.append(_rewrite)  # noqa: F821
    print("transformer installed")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
