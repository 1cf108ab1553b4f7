%%writefile my_pingpong.py
"""Uses Connection objects as context managers and a generator of pings in the child; the parent collects replies in a comprehension."""
import multiprocessing as mp
import os


def _pings(conn):
    """Yield the round number of each ping until end-of-file."""
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        yield message[1]


def pong(conn, parent_end):
    """Answer ("ping", i) on conn with ("pong", i, pid) until the parent hangs up (in the child)."""
    parent_end.close()
    me = os.getpid()
    with conn:
        for i in _pings(conn):
            conn.send(("pong", i, me))


def _round(conn, i):
    conn.send(("ping", i))
    return conn.recv()


def pingpong(n, context=None):
    """Play n rounds with one child process; return its replies."""
    if context is None:
        context = mp.get_context()
    mine, theirs = context.Pipe(duplex=True)
    child = context.Process(target=pong, args=(theirs, mine))
    child.start()
    theirs.close()
    try:
        with mine:
            replies = [_round(mine, i) for i in range(n)]
    finally:
        child.join()
    return replies
