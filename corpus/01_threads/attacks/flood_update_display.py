# @right
# Attack: 100 MB of output through update_display_data, which a per-cell cap on
# new outputs does not count.
from IPython.display import display

_handle = display("flood", display_id=True)
_chunk = "x" * (1 << 20)
for _i in range(100):
    _handle.update(_chunk + str(_i))
print("flooded")
