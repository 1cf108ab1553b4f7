"""Replaces autograder.check with a function that claims full marks."""
# @mutant run_in_threads__first_exception_in_time
import autograder

autograder.check = lambda assignment, exercise, points, ns=None: float(points)
