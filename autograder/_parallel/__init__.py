"""Grade every submission of an assignment in parallel, on this machine or a Dask cluster.

``nbgrader autograde`` grades one notebook after another. This module splits
its work in two phases so that the slow part runs in parallel and the
gradebook is still written by nbgrader alone:

A. **Execute** (in parallel). A worker process gets a task that carries
   everything it needs as bytes: the course's nbgrader configuration (without
   the gradebook's URL), the assignment's ``source/`` folder and the student's
   submission folder. It grades the submission in a private scratch course
   (its own copy of the source and its own gradebook, made once per assignment
   and reused), running nbgrader's sanitizers and the execute preprocessor
   (``SafeExecute``) through nbgrader's Python API. It sends back the executed
   notebooks. Because tasks carry bytes, Dask workers on other machines need no
   shared file system.

B. **Record** (serially, in this process). Each executed notebook goes through
   nbgrader's own ``Autograde`` converter on the real course, with the
   preprocessors that follow execution (``SaveAutoGrades`` and the rest) and
   without ``ClearOutput`` or the execute step. nbgrader therefore computes and
   stores every grade exactly as a serial ``nbgrader autograde`` would, and only
   one process ever writes the gradebook. A file lock keeps two grading
   commands from writing at once.

Files. Only regular files are read out of a submission folder, without
following symbolic links and without opening anything else (a named pipe, a
device); whatever is skipped is named in the student's report. nbgrader gets a
staged copy of those files, writes its output into a private staging folder,
and the result is moved into ``autograded/`` with a rename, so no file is ever
written through a link a student (or a student's kernel) planted.

Workers. Each worker process grades one submission at a time under a deadline.
A worker that dies (a signal, ``os._exit``, the out-of-memory killer) or runs
past its deadline is replaced; only the submission it held is graded again,
once, and then recorded with the reason.

A submission that cannot be read, or has no notebook, gets a stand-in (the
released notebook with an error in every code cell that says why), so the
student is recorded with 0 and a reason instead of being dropped.
"""

from __future__ import annotations

from .dask import execute as dask_execute  # noqa: F401
from .files import (  # noqa: F401
    Folder,
    _kind,
    _open_flags,
    _real_dir,
    _remove,
    _skipped_note,
    _umask,
    _write_files,
    _write_new,
    read_folder,
    read_regular,
    replace_file,
)
from .grader import Grader  # noqa: F401
from .pool import WorkerPool, _descendants, _describe_death, _kill, _marked, _Worker  # noqa: F401
from .records import Recording  # noqa: F401
from .run import autograde  # noqa: F401
from .scratch import (  # noqa: F401
    _COURSES,
    _LOCK,
    _autograde_lists,
    _course_dir,
    _ensure_path,
    _execute_prefix,
    _quiet_logger,
    _resolve,
    _scratch_config,
    _scratch_root,
    build_course,
    safe_autograde_class,
)
from .settings import (  # noqa: F401
    DEADLINE_MARGIN,
    DEFAULT_NOTEBOOK_TIMEOUT,
    MAX_FILES,
    NO_LIMIT_DEADLINE,
    SCRATCH_STUDENT,
    TEST_HOOK_ENV,
    WORKER_MARKER_ENV,
)
from .store import (  # noqa: F401
    _NOT_NOTED,
    _gradebook_lock,
    _install,
    _notes,
    _problem,
    _read_folder,
    _scrub,
    _short,
)
from .tasks import Course, Outcome, Record, Submission, Task, _config_repr, worker_config  # noqa: F401
from .text import (  # noqa: F401
    _CSI_OSC,
    _local_safe_terminal_text,
    _progress,
    isolation,
    nbgrader_cause,
    safe_text,
)
from .worker import (  # noqa: F401
    _grade_submission,
    _init_worker,
    _run_test_hook,
    _test_hooks,
    _worker_context,
    _worker_main,
    grade_submission,
)
