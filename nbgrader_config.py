"""nbgrader configuration for the course. The repository root is the course directory."""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "concurrency"

# The gradebook is SQLite in the course directory by default (gradebook.db).
# For many graders or a shared server, point it at PostgreSQL instead:
# c.CourseDirectory.db_url = "postgresql://grader@localhost/gradebook"

# A cell that runs longer than this is interrupted and grading moves on.
# Every hidden test has its own deadline of a few seconds (autograder/_harness.py),
# and visible tests use coursekit.within, so this is only a backstop.
c.Execute.timeout = 60

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Safe grading at scale (autograder/preprocessors.py; docs/grading.md).
# SafeExecute replaces nbgrader's Execute: limits per kernel, a grade guard,
# and a dying kernel no longer drops the student. RepairCells and the
# TolerantExporter keep broken submissions from aborting a grading run.
# SanitizeOutputs (autograder/sanitize.py) removes scripts, event handlers and
# terminal control from what a submission displays, so that the formgrader and
# the feedback are safe to open; it changes no grade and no locked cell.
try:
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from autograder.preprocessors import RepairCells, SafeExecute, TolerantExporter
    from autograder.sanitize import SanitizeOutputs
except ImportError as exc:  # the course package is not importable: stock nbgrader
    import warnings

    warnings.warn(
        f"autograder is not importable ({exc}): grading without its safeguards", stacklevel=1
    )
else:
    c.Autograde.exporter_class = TolerantExporter
    # Stock nbgrader copies a submission's files by following links and blocks on
    # a named pipe: skip everything that is not a regular file.
    import nbgrader.converters.base as _nbgrader_base

    from autograder.preprocessors import regular_files_only

    if not hasattr(_nbgrader_base.find_all_files, "__wrapped__"):
        _nbgrader_base.find_all_files = regular_files_only(_nbgrader_base.find_all_files)
    c.Autograde.sanitize_preprocessors = [
        ClearOutput,
        RepairCells,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        SafeExecute,
        SanitizeOutputs,  # the stored autograded notebook is what the formgrader shows
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    # nbgrader 0.9.6's defaults (GetGrades, CSSHTMLHeaderPreprocessor), then the sanitizer.
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, SanitizeOutputs]
    # Every HTMLExporter, among them the formgrader's: a notebook autograded before
    # the sanitizer existed, or by a configuration without it, is cleaned as it is shown.
    c.HTMLExporter.preprocessors = [SanitizeOutputs]

# Limits for each grading kernel and everything it starts (docs/grading.md).
# Sizes take K, M or G; 0 switches a limit off.
c.SafeExecute.memory_limit = "2G"  # resident memory, all processes together
c.SafeExecute.address_space_limit = "8G"  # virtual memory per process (RLIMIT_AS)
c.SafeExecute.task_limit = 256  # threads + processes
c.SafeExecute.cpu_limit = 600  # CPU seconds for the whole notebook
c.SafeExecute.output_limit = "1M"  # output kept per cell
c.SafeExecute.file_size_limit = "256M"  # largest file a kernel may write
c.SafeExecute.sandbox = True  # Landlock: writes only below the notebook's folder and a private tmp
# True: refuse to grade when namespaces or cgroups are unavailable
c.SafeExecute.require_sandbox = False
c.SafeExecute.notebook_timeout = 1800  # seconds of wall-clock time for a whole notebook
c.SafeExecute.notebook_output_limit = "16M"  # output kept for a whole notebook, every message type
# The hidden tests: how long one test may run before it is reported as stuck (a test's
# @pytest.mark.deadline overrides it), and how many seconds one exercise may lose to stuck
# tests before its other tests are skipped. They reach each kernel with the grade seal.
c.SafeExecute.test_deadline = 3.0
c.SafeExecute.exercise_budget = 8.0

# Modules that the masters write with %%writefile (07_multiprocessing's my_*.py) appear
# beside the master when it is run in place; they are not part of the release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "my_*.py"]
