"""Limits and names the parallel grader shares between its parts."""

from __future__ import annotations

#: Student id used inside the scratch courses of the workers.
SCRATCH_STUDENT = "student"
#: Seconds a worker gets for one submission beyond the notebook's own limit
#: (``c.SafeExecute.notebook_timeout``): starting the kernel, nbgrader's steps.
DEADLINE_MARGIN = 120.0
#: The notebook limit when the configuration sets none (SafeExecute's default).
DEFAULT_NOTEBOOK_TIMEOUT = 1800.0
#: A worker's deadline when the configuration switches the notebook limit off.
NO_LIMIT_DEADLINE = 6 * 3600.0
#: Most files read out of one submission folder (the rest are skipped and named).
MAX_FILES = 2000
#: Test seam: JSON that makes workers die or hang on given students (see _run_test_hook).
TEST_HOOK_ENV = "AUTOGRADER_TEST_WORKER_HOOK"
#: Every worker process and the kernels it starts carry this variable, so that
#: what a dead worker left behind can be found and stopped.
WORKER_MARKER_ENV = "AUTOGRADER_WORKER_MARKER"
