%%writefile my_coprocess.py
"""send() writes pickle.dumps() bytes; serve() iterates over a generator of objects."""
import pickle
import sys


class CoprocessSender:
    def __init__(self, stream):
        self.out = stream

    def send(self, obj):
        self.out.write(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        self.out.flush()

    def close(self):
        if not self.out.closed:
            self.out.close()


def _objects(stream):
    while True:
        try:
            yield pickle.load(stream)
        except EOFError:
            return


def serve(stream, consumer):
    for obj in _objects(stream):
        consumer.send(obj)
    consumer.close()


if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
