%%writefile my_coprocess.py
"""close() only flushes: the stream stays open, so the child never sees end-of-file."""
import pickle
import sys


class CoprocessSender:
    def __init__(self, stream):
        self.stream = stream

    def send(self, obj):
        pickle.dump(obj, self.stream)
        self.stream.flush()

    def close(self):
        self.stream.flush()


def serve(stream, consumer):
    while True:
        try:
            obj = pickle.load(stream)
        except EOFError:
            break
        consumer.send(obj)
    consumer.close()


if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
