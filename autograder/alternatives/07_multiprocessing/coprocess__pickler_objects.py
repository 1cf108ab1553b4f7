%%writefile my_coprocess.py
"""pickle.Pickler and pickle.Unpickler objects: the Pickler's memo cleared after each object, a new Unpickler for each."""
import pickle
import sys


class CoprocessSender:
    def __init__(self, stream):
        self._stream = stream
        self._pickler = pickle.Pickler(stream)

    def send(self, obj):
        self._pickler.dump(obj)
        self._pickler.clear_memo()  # each object stands alone
        self._stream.flush()

    def close(self):
        self._stream.close()


def serve(stream, consumer):
    done = False
    while not done:
        try:
            # A new Unpickler per object: each pickle has a memo of its own.
            obj = pickle.Unpickler(stream).load()
        except EOFError:
            done = True
        else:
            consumer.send(obj)
    consumer.close()


if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
