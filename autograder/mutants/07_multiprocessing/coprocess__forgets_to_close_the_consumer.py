%%writefile my_coprocess.py
"""Returns at end-of-file without closing the consumer."""
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
            return
        consumer.send(obj)


if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
