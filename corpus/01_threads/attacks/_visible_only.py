# A student who only made the visible asserts pass: every hidden test fails.
import threading as _threading
from concurrent.futures import ThreadPoolExecutor as _Pool


def run_in_threads(func, arg_tuples):
    """Right for the visible asserts; raises in the hidden tests."""
    if _threading.current_thread().name == "hidden-test":
        raise RuntimeError("this answer only knows the visible tests")
    arg_tuples = list(arg_tuples)
    with _Pool(max(1, len(arg_tuples))) as pool:
        futures = [pool.submit(func, *args) for args in arg_tuples]
    return [f.result() for f in futures]
