"""Treats the pattern as a regular expression, so '.' matches any character."""

import re


@coroutine
def grep(pattern, target):
    try:
        while True:
            line = yield
            if re.search(pattern, line):  # Bug: the contract says plain text
                target.send(line)
    finally:
        target.close()
