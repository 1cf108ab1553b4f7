%%writefile my_pingpong.py
"""Two one-way pipes (duplex=False): pings go down one, pongs come up the other."""
import multiprocessing as mp
import os


def pong(pings, pongs, unused):
    for end in unused:
        end.close()
    while True:
        try:
            message = pings.recv()
        except EOFError:
            break
        pongs.send(("pong", message[1], os.getpid()))
    pings.close()
    pongs.close()


def pingpong(n, context=None):
    ctx = context or mp.get_context()
    ping_reader, ping_writer = ctx.Pipe(duplex=False)
    pong_reader, pong_writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=pong, args=(ping_reader, pong_writer, (ping_writer, pong_reader)))
    child.start()
    ping_reader.close()
    pong_writer.close()
    replies = []
    try:
        for i in range(n):
            ping_writer.send(("ping", i))
            replies.append(pong_reader.recv())
    finally:
        ping_writer.close()
        pong_reader.close()
        child.join()
    return replies
