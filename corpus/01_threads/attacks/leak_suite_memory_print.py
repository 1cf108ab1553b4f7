# @right
# Part 2 of leak_suite_memory: print the hidden suite from memory: its module
# docstring, every function's docstring, and the constants of its code objects
# (read from a thread pool's worker, which the seal trusts).
import types
from concurrent.futures import ThreadPoolExecutor

_suite = _leak.get("suite", {})  # noqa: F821
print("suite docstring:", _suite.get("__doc__"))
with ThreadPoolExecutor(1) as _pool:
    for _name, _value in sorted(_suite.items()):
        if isinstance(_value, types.FunctionType):
            print("=====", _name, _value.__doc__)
            try:
                _code = _pool.submit(getattr, _value, "__code__").result()
                _consts = [c for c in _code.co_consts if isinstance(c, str)]
                print("constants:", _consts)
            except Exception as exc:  # noqa: BLE001
                print("code denied:", type(exc).__name__)
