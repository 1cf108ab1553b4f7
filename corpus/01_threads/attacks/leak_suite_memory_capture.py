# @include _visible_only.py
# Part 1 of leak_suite_memory: in the hidden tests, keep the suite's namespace
# (the __globals__ of a callback the suite hands over).
_leak = {}
_visible_run = run_in_threads  # noqa: F821


def run_in_threads(func, arg_tuples):  # noqa: F811
    namespace = getattr(func, "__globals__", None)
    if isinstance(namespace, dict) and "__name__" in namespace:
        _leak["suite"] = namespace
    return _visible_run(func, arg_tuples)
