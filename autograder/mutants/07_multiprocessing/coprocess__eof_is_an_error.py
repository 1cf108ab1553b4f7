%%writefile my_coprocess.py
"""Treats end-of-file as an error: the child dies with EOFError instead of closing its consumer."""
import pickle
import sys


class CoprocessSender:
    def __init__(self, stream):
        self.stream = stream

    def send(self, obj):
        pickle.dump(obj, self.stream)
        self.stream.flush()

    def close(self):
        self.stream.close()


def serve(stream, consumer):
    while True:
        consumer.send(pickle.load(stream))


if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
