%%writefile my_pingpong.py
"""The child does not catch EOFError, so it ends with a traceback and exit code 1."""
import multiprocessing as mp
import os


def pong(conn, parent_end):
    parent_end.close()
    while True:
        _, i = conn.recv()
        conn.send(("pong", i, os.getpid()))


def pingpong(n, context=None):
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
    child.join()
    return replies
