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
