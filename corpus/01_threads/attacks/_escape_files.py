# Attack: leave files behind where nobody cleans up: /dev/shm (a file and a
# POSIX shared memory segment taken away from the resource tracker), /tmp and
# /var/tmp. Their names carry the marker.
from multiprocessing import resource_tracker, shared_memory

_made = {}
for _path in ("/dev/shm/@@MARKER@@-file", "/tmp/@@MARKER@@-file", "/var/tmp/@@MARKER@@-file"):
    try:
        with open(_path, "w") as _fh:
            _fh.write("left behind\n")
        _made[_path] = "written"
    except Exception as exc:  # noqa: BLE001
        _made[_path] = type(exc).__name__
try:
    _shm = shared_memory.SharedMemory(name="@@MARKER@@-shm", create=True, size=4096)
    resource_tracker.unregister(_shm._name, "shared_memory")
    _made["shm"] = "created"
except Exception as exc:  # noqa: BLE001
    _made["shm"] = type(exc).__name__
print(_made)
