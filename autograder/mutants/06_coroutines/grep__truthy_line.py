"""Ignores empty lines (guarding against the priming None), so grep("", t) drops "" although "" in "" is True."""


@coroutine
def grep(pattern, target):
    """Send the lines that contain `pattern` on to `target`; close it when closed."""
    try:
        while True:
            line = yield
            if line and pattern in line:
                target.send(line)
    finally:
        target.close()
