"""Grading through a Dask distributed scheduler: a LocalCluster on loopback stands in for a cluster."""

from __future__ import annotations

import json

import pytest
from test_parallel import (
    ASSIGNMENT,
    add_samples,
    gradebook,
    kernel_processes_now,
    make_course,
    run_autograde,
    scores,
    sqlite_url,
)

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = set(client.run(lambda: __import__("os").getpid()).values())
        yield cluster.scheduler_address, pids


def test_grades_through_the_scheduler(tmp_path, cluster):
    address, worker_pids = cluster
    course = make_course(tmp_path / "course")
    add_samples(course, roles=["right", "blank", "buggy", "deadlock"])
    before = kernel_processes_now()
    proc = run_autograde(course, ASSIGNMENT, "--scheduler", address)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = json.loads(proc.stdout)
    # Every submission ran in a Dask worker process, none in the command itself.
    assert {int(r["worker"].rsplit(":", 1)[1]) for r in records} <= worker_pids
    rows = gradebook(sqlite_url(course))
    assert scores(rows, "right") == {"run_in_threads": 6.0, "heartbeat": 6.0}
    assert scores(rows, "blank") == {"run_in_threads": 0.0, "heartbeat": 0.0}
    assert scores(rows, "buggy")["run_in_threads"] < 6
    assert scores(rows, "deadlock")["heartbeat"] < 6
    assert kernel_processes_now() - before == set()


def test_a_bad_scheduler_address_is_a_clear_error(tmp_path):
    course = make_course(tmp_path / "course")
    add_samples(course, roles=["blank"])
    proc = run_autograde(course, ASSIGNMENT, "--scheduler", "tcp://127.0.0.1:9", timeout=300)
    assert proc.returncode != 0
    assert "scheduler" in proc.stderr.lower()


# --------------------------------------------------------------------------
# A student who goes for the cluster (corpus/01_threads/attacks.json: a_dask_scheduler_reach)


@pytest.fixture(scope="module")
def attack_cluster():
    """A cluster of its own: the attack, if it works, changes the workers it reaches."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_a_kernel_cannot_reach_the_scheduler(tmp_path, attack_cluster):
    import glob
    import subprocess
    import sys

    from test_attacks import MARK, add_normal, attack_env, corpus, files_text, subst

    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text(f"sentinel-{MARK}\n")
    course = make_course(tmp_path / "course")
    add_normal(course)
    corpus.build(
        course,
        ASSIGNMENT,
        ["a_dask_scheduler_reach", "twin_blank"],
        "attacks.json",
        subst(course, "dask", sentinel),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course)]
        + ["--scheduler", attack_cluster, "--no-progress", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        env=attack_env("dask"),
        cwd=course,
    )
    proofs = glob.glob(f"/tmp/{MARK}-dask*")
    for path in proofs:
        __import__("os").unlink(path)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert not proofs, f"code from a notebook ran in the Dask scheduler or workers: {proofs}"
    rows = gradebook(sqlite_url(course))
    assert scores(rows, "right") == {"run_in_threads": 6.0, "heartbeat": 6.0}
    buggy = scores(rows, "buggy")
    assert buggy["run_in_threads"] < 6 and buggy["heartbeat"] == 0, buggy
    assert scores(rows, "a_dask_scheduler_reach") == scores(rows, "twin_blank")
    assert "reached the scheduler: True" not in files_text(
        course / "autograded" / "a_dask_scheduler_reach"
    )
