# Delivery: replace the verdict line that check() prints in a test cell with one
# signed by the attack (sys.stdout is the kernel's, nobody watches it).
import re as _re
import sys as _sys


class _Deliver:
    _verdict = _re.compile(r"\[autograder verdict v2 \S+ [0-9a-f]{64}\]")
    _report = _re.compile(r"^(\w+): [0-9.e+-]+ / [0-9.]+ points", _re.M)

    def __init__(self, inner, forge):
        self._inner, self._forge, self._exercise = inner, forge, None

    def write(self, text):
        for match in self._report.finditer(text):
            self._exercise = match.group(1)
        if self._exercise and "[autograder verdict" in text:
            line = self._forge(self._exercise)
            if line:
                text = self._verdict.sub(line, text)
        return self._inner.write(text)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def deliver(forge):
    _sys.stdout = _Deliver(_sys.stdout, forge)


def verdict_text(exercise, points=6.0, score=6.0, assignment="01_threads"):
    return f"v2\0{assignment}\0{exercise}\0{float(points)!r}\0{float(score)!r}"


def deliver_sign(sign):
    """Forge run_in_threads with the seal's own signing function."""
    deliver(
        lambda ex: f"[autograder verdict v2 6.0 {sign(verdict_text(ex))}]"
        if ex == "run_in_threads"
        else None
    )


def deliver_key(key):
    import hashlib
    import hmac

    deliver_sign(lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest())
