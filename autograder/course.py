"""The course as code: what tests, scripts and the attack corpus may rely on.

Everything here is a stable name; the modules it comes from (``_notebook``,
``_grading``, ``_mutants``) are private and may change. For example::

    from autograder.course import exercises, master_path, read_notebook

    for ex in exercises(read_notebook(master_path("01_threads"))):
        print(ex.grade_id, ex.points)

* notebooks: `read_notebook`, `master_path`, `exercises`, `graded_cells`,
  `nbgrader_meta`, `is_test_cell`, `replace_answers`, `answer_sources`,
  `namespace_from`, `assignments`, `course_root`, `NOTES` (the cell metadata key of
  the grader's notes);
* known-wrong and alternative solutions: `Mutant`, `mutants`, `demo_roles`;
* a course to grade: `new_course` (the one scratch-course builder), `nbgrader` (run
  one nbgrader command), `sample_submission`, `solution_answers`, `read_scores`
  (scores from a gradebook, SQLite by default or any ``db_url``);
* a hidden suite run in this process: `run_suite` (as ``python -m autograder mutants``
  and ``make test-mutation`` grade a solution).
"""

from __future__ import annotations

from ._grading import nbgrader, new_course, read_scores, sample_submission, solution_answers
from ._harness import run_suite
from ._mutants import Mutant, demo_roles, mutants
from ._notebook import (
    NAME,
    NOTES,
    UsageError,
    answer_sources,
    assignments,
    course_root,
    exercises,
    graded_cells,
    is_test_cell,
    master_path,
    namespace_from,
    nbgrader_meta,
    read_notebook,
    replace_answers,
)

__all__ = [
    "NAME",
    "NOTES",
    "Mutant",
    "UsageError",
    "answer_sources",
    "assignments",
    "course_root",
    "demo_roles",
    "exercises",
    "graded_cells",
    "is_test_cell",
    "master_path",
    "mutants",
    "namespace_from",
    "nbgrader",
    "nbgrader_meta",
    "new_course",
    "read_notebook",
    "read_scores",
    "replace_answers",
    "run_suite",
    "sample_submission",
    "solution_answers",
]
