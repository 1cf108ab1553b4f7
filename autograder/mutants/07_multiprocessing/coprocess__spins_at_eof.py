%%writefile my_coprocess.py
"""Keeps reading after end-of-file: the child spins for ever and never exits."""
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
        try:
            obj = pickle.load(stream)
        except EOFError:
            continue  # maybe more will come?
        consumer.send(obj)


if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
