"""Uses fnmatch with *pattern*, so glob characters such as [ ] ? * in the pattern are not plain text."""
import fnmatch


@coroutine
def grep(pattern, target):
    """Send the lines that contain `pattern` on to `target`; close it when closed."""
    try:
        while True:
            line = yield
            if fnmatch.fnmatchcase(line, f"*{pattern}*"):
                target.send(line)
    finally:
        target.close()
