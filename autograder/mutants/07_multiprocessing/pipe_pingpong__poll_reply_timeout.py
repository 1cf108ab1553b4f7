%%writefile my_pingpong.py
"""Waits at most 5 s for each reply with poll(5) and stops the game if none came, so a slow child gets fewer rounds."""
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
    try:
        for i in range(n):
            parent_end.send(("ping", i))
            if not parent_end.poll(5):  # the child is stuck: don't hang
                break
            replies.append(parent_end.recv())
    finally:
        parent_end.close()
        child.join()
    return replies
