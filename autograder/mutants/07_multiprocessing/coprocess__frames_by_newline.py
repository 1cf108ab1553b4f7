%%writefile my_coprocess.py
"""Splits the stream at newlines, but a pickle can itself contain newline bytes."""
import pickle
import sys


class CoprocessSender:
    def __init__(self, stream):
        self.stream = stream

    def send(self, obj):
        self.stream.write(pickle.dumps(obj) + b"\n")
        self.stream.flush()

    def close(self):
        self.stream.close()


def serve(stream, consumer):
    for line in stream:
        consumer.send(pickle.loads(line[:-1]))
    consumer.close()


if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
