"""Parallel grading into a PostgreSQL gradebook, on a real server the test starts on loopback.

The server comes from Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``).
As root it runs as the ``postgres`` system user, because PostgreSQL refuses
to run as root. Without the package the tests are skipped, with the reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_parallel import (
    ASSIGNMENT,
    TEST_CONFIG,
    add_samples,
    gradebook,
    grading_env,
    make_course,
    run_autograde,
    scores,
)

from autograder.course import nbgrader


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """Start a throw-away PostgreSQL server on 127.0.0.1; yield a URL to an empty database."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.skip("no PostgreSQL server here: apt-get install postgresql (Debian's package)")
    bindir = Path(found[-1]).parent
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    if os.getuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        if not shutil.which("runuser"):
            pytest.skip("running as root and `runuser` is missing")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = _free_port()

    def run(*cmd):
        return subprocess.run(prefix + list(cmd), capture_output=True, text=True, timeout=120)

    init = run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader", "--no-sync")
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr[-2000:]}")
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(base / "log"),
        "-o",
        options,
        "-w",
        "start",
    )
    if start.returncode != 0:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed: {start.stderr[-2000:]}\n{log[-2000:]}")
    try:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=port, user="grader", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE gradebook")
        conn.close()
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_course(tmp_path_factory, postgres):
    config = TEST_CONFIG + f'\nc.CourseDirectory.db_url = "{postgres}"\n'
    course = make_course(tmp_path_factory.mktemp("pg") / "course", extra_config=config)
    assert not (course / "gradebook.db").exists(), "the course should not use SQLite"
    students = add_samples(course, roles=["right", "blank", "buggy"])
    proc = run_autograde(course, ASSIGNMENT, "--jobs", "2")
    return course, postgres, students, proc


def test_parallel_grading_writes_the_postgres_gradebook(pg_course):
    course, url, students, proc = pg_course
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = gradebook(url)
    assert scores(rows, "right") == {"run_in_threads": 6.0, "heartbeat": 6.0}
    assert scores(rows, "blank") == {"run_in_threads": 0.0, "heartbeat": 0.0}
    buggy = scores(rows, "buggy")
    assert 0 < buggy["run_in_threads"] < 6 and buggy["heartbeat"] < 6, buggy
    assert not (course / "gradebook.db").exists()


def test_two_commands_at_once_lose_no_row_in_postgres(pg_course):
    course, url, _, _ = pg_course
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for student in ("late_a", "late_b", "late_c", "late_d"):
        dest = course / "submitted" / student / ASSIGNMENT
        dest.mkdir(parents=True)
        shutil.copy(release, dest / f"{ASSIGNMENT}.ipynb")
    env = grading_env()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course)]
            + ["--jobs", "1", "--no-progress", "--student", a, "--student", b],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for a, b in (("late_a", "late_b"), ("late_c", "late_d"))
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
    rows = gradebook(url)
    for student in ("late_a", "late_b", "late_c", "late_d"):
        assert scores(rows, student) == {"run_in_threads": 0.0, "heartbeat": 0.0}


def test_export_reads_the_postgres_gradebook(pg_course):
    course, _, students, _ = pg_course
    nbgrader("export", cwd=course)
    grades = (course / "grades.csv").read_text()
    for student in students:
        assert student in grades


# --------------------------------------------------------------------------
# A student who goes for the gradebook (corpus/01_threads/attacks.json: a_pg_db_theft)


@pytest.fixture(scope="module")
def pg_attack(tmp_path_factory, postgres):
    """Attackers graded into a PostgreSQL gradebook that only the command line names (--db-url)."""
    import psycopg2
    from sqlalchemy.engine import make_url
    from test_attacks import MARK, SECRETS, add_normal, attack_env, corpus, subst

    url = make_url(postgres)
    conn = psycopg2.connect(host=url.host, port=url.port, user=url.username, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE DATABASE attacks")
    conn.close()
    attack_url = postgres.rsplit("/", 1)[0] + "/attacks"
    base = tmp_path_factory.mktemp("pg-attack")
    sentinel = base / "sentinel.txt"
    sentinel.write_text(f"sentinel-{MARK}\n")
    course = make_course(base / "course", extra_config=TEST_CONFIG)
    nbgrader(
        "generate_assignment",
        ASSIGNMENT,
        "--force",
        f"--CourseDirectory.db_url={attack_url}",
        cwd=course,
    )
    add_normal(course)
    corpus.build(
        course,
        ASSIGNMENT,
        ["a_pg_db_theft", "twin_blank"],
        "attacks.json",
        subst(course, "postgres", sentinel),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course)]
        + ["--jobs", "2", "--no-progress", "--json", "--db-url", attack_url],
        capture_output=True,
        text=True,
        timeout=600,
        env=attack_env("postgres"),
        cwd=course,
    )
    return {"course": course, "url": attack_url, "proc": proc, "secrets": SECRETS}


def test_a_kernel_cannot_change_the_postgres_gradebook(pg_attack):
    import psycopg2
    from sqlalchemy.engine import make_url

    proc = pg_attack["proc"]
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    url = make_url(pg_attack["url"])
    with psycopg2.connect(
        host=url.host, port=url.port, user=url.username, dbname="attacks"
    ) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            triggers = [r[0] for r in cur.fetchall()]
            cur.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'corpus%'")
            functions = [r[0] for r in cur.fetchall()]
    assert not triggers and not functions, f"a submission installed {triggers} {functions}"
    rows = gradebook(pg_attack["url"])
    assert scores(rows, "right") == {"run_in_threads": 6.0, "heartbeat": 6.0}
    assert scores(rows, "twin_blank") == {"run_in_threads": 0.0, "heartbeat": 0.0}
    buggy = scores(rows, "buggy")
    assert buggy["run_in_threads"] < 6 and buggy["heartbeat"] == 0, buggy
    attacker = scores(rows, "a_pg_db_theft")
    assert attacker == {"run_in_threads": 0.0, "heartbeat": 0.0}, attacker


def test_the_database_secret_reaches_no_output(pg_attack):
    from test_attacks import files_text

    course = pg_attack["course"]
    text = pg_attack["proc"].stdout + pg_attack["proc"].stderr
    text += files_text(course / "autograded")
    leaked = [k for k, v in pg_attack["secrets"].items() if v in text]
    assert not leaked, leaked
