%%writefile my_coprocess.py
"""send() swallows BrokenPipeError, so the caller never learns the object was lost."""
import pickle
import sys


class CoprocessSender:
    def __init__(self, stream):
        self.stream = stream

    def send(self, obj):
        try:
            pickle.dump(obj, self.stream)
            self.stream.flush()
        except BrokenPipeError:
            pass

    def close(self):
        self.stream.close()


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
