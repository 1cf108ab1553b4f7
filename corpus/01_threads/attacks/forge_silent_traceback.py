# @mutant run_in_threads__one_after_another
# Attack: silence IPython's traceback display, so that the failing visible
# assert of the test cell shows no error (nbgrader gives full credit to a test
# cell without an error).
try:
    _ip = get_ipython()  # noqa: F821
    _ip.showtraceback = lambda *a, **k: None
    _ip._showtraceback = lambda *a, **k: None
    _ip.showsyntaxerror = lambda *a, **k: None
    print("tracebacks silenced")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
