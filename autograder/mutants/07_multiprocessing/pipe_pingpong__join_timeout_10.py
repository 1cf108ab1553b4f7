%%writefile my_pingpong.py
"""Joins the child with join(timeout=10) so pingpong can never hang: returns early if the child takes longer to end."""
import multiprocessing as mp
import os


def pong(conn, parent_end):
    """Answer ("ping", i) on conn with ("pong", i, pid) until the parent hangs up (in the child)."""
    parent_end.close()
    while True:
        try:
            _, i = conn.recv()
        except EOFError:
            break
        conn.send(("pong", i, os.getpid()))
    conn.close()


def pingpong(n, context=None):
    """Play n rounds with one child process; return its replies."""
    ctx = context or mp.get_context()
    parent_end, child_end = ctx.Pipe()
    child = ctx.Process(target=pong, args=(child_end, parent_end))
    child.start()
    child_end.close()
    replies = []
    for i in range(n):
        parent_end.send(("ping", i))
        replies.append(parent_end.recv())
    parent_end.close()
    child.join(timeout=10)  # never wait for ever
    return replies
