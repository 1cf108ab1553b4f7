"""The process instruments force the interleaving they promise, under every start method."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from coursekit.mp_checks import CheckingContext

METHODS = [m for m in ("fork", "spawn", "forkserver") if m in mp.get_all_start_methods()]


# Children's targets live at module level so that spawn can pickle them.
def split_with_get_lock(counter, n):
    for _ in range(n):
        with counter.get_lock():
            current = counter.value
        with counter.get_lock():
            counter.value = current + 1


def split_with_acquire(counter, n):
    for _ in range(n):
        counter.acquire()
        current = counter.value
        counter.release()
        with counter:
            counter.value = current + 1


def split_with_a_lock_kept(counter, n):
    lock = counter.get_lock()
    for _ in range(n):
        lock.acquire()
        current = counter.value
        lock.release()
        with lock:
            counter.value = current + 1


def whole_with_get_lock(counter, n):
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def whole_with_nested_holds(counter, n):
    lock = counter.get_lock()  # an RLock by default
    for _ in range(n):
        with lock:
            with lock:
                current = counter.value
            counter.value = current + 1


def unlocked(counter, n):
    for _ in range(n):
        counter.value += 1


def _run(target, method, procs, n, **options):
    ctx = CheckingContext(method, rendezvous=procs, steps=True, hold=0.5, **options)
    try:
        counter = ctx.Value("q", 0)
        children = [ctx.Process(target=target, args=(counter, n)) for _ in range(procs)]
        for child in children:
            child.start()
        for child in children:
            child.join(30)
        assert [c.exitcode for c in children] == [0] * procs
        return counter.value, counter.every_write_added_one
    finally:
        ctx.cleanup()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "target", [split_with_get_lock, split_with_acquire, split_with_a_lock_kept]
)
def test_an_update_split_into_two_holds_loses_increments_every_time(method, target):
    # Two children, each read-hold followed by a write-hold: the forced switch
    # after each read makes the other child read the same number.
    for _ in range(3):
        total, clean = _run(target, method, procs=2, n=6)
        assert total < 12
        assert not clean


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("target", [whole_with_get_lock, whole_with_nested_holds])
def test_an_update_in_one_hold_loses_nothing(method, target):
    for _ in range(3):
        assert _run(target, method, procs=3, n=10) == (30, True)


def test_without_the_lock_the_read_pause_loses_increments():
    total, clean = _run(unlocked, "fork", procs=2, n=10, racy_pause=0.002)
    assert total < 20
    assert not clean


def test_one_at_a_time_runs_the_children_s_targets_one_after_another():
    # With no lock and a pause in every read, children that overlap lose
    # updates; one at a time they cannot.
    for method in METHODS:
        ctx = CheckingContext(method, racy_pause=0.002, one_at_a_time=True)
        try:
            counter = ctx.Value("q", 0, lock=False)
            children = [ctx.Process(target=unlocked, args=(counter, 10)) for _ in range(3)]
            for child in children:
                child.start()
            for child in children:
                child.join(30)
            assert counter.value == 30, method
        finally:
            ctx.cleanup()


def test_a_recorded_pool_counts_every_task_it_is_handed():
    """RecordedPool.tasks counts each item of map/starmap/imap and each apply, which is how
    07's suite sees that a pool got at least one piece of work per worker."""
    from coursekit.mp_probes import RecordingContext

    ctx = RecordingContext("fork")
    try:
        with ctx.Pool(2) as pool:
            assert pool.starmap(divmod, [(7, 2), (9, 4), (1, 1)]) == [(3, 1), (2, 1), (1, 0)]
            assert pool.map(abs, range(-2, 2)) == [2, 1, 0, 1]
            assert sorted(pool.imap_unordered(abs, (-5, 6))) == [5, 6]
            assert pool.apply_async(divmod, (5, 2)).get(10) == (2, 1)
            assert pool.map_async(abs, [-1]).get(10) == [1]
        assert [p.tasks for p in ctx.pools] == [3 + 4 + 2 + 1 + 1]
    finally:
        ctx.cleanup()


def test_the_ping_log_wants_exactly_ping_i_one_at_a_time():
    """07's pipe watcher: each message the parent sends is exactly ("ping", i), i from 0,
    and none goes before the previous reply came back."""
    from coursekit.mp_checks import PingLog

    log = PingLog()
    log.sent(("ping", 0))
    log.received(("pong", 0, 123))
    log.sent(("ping", 1))
    log.received(("pong", 1, 123))
    assert log.problems == []
    log.sent(2)
    assert "not ('ping', 2)" in log.problems[-1]
    log.sent(("ping", 3))
    assert "before the reply" in log.problems[-1]
    log.sent(("PING", 4))
    assert "not ('ping', 4)" in log.problems[-1]
