"""The instructor's side of the course: hidden suites, known-wrong solutions, grading tools.

The hidden part of each autograded test cell is one call::

    import autograder; autograder.check("01_threads", "run_in_threads", 4, globals())

`check` runs that exercise's pytest suite from ``autograder/suites`` against the
objects in the student's kernel, prints a short report to stdout and returns the
points earned. See ``python -m autograder --help`` for the command line.
"""

from ._harness import Result, check, run_suite

__all__ = ["Result", "check", "run_suite"]
