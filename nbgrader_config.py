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

# Students' code must not be able to stall the release or grading with prompts.
c.Execute.allow_errors = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
