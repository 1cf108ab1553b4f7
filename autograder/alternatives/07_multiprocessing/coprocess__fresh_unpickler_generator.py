%%writefile my_coprocess.py
"""Sends pickle.dumps bytes with write+flush; serve drains a generator that makes a fresh Unpickler per object.

Run the receiving side as:   python -m my_coprocess package.module:ConsumerClass
"""
import pickle
import sys



class CoprocessSender:
    """Send objects, pickled, down a binary stream (for example a child's stdin)."""

    def __init__(self, stream):
        self._stream = stream

    def send(self, obj):
        """Write obj to the stream so that the other side can read it at once."""
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self._stream.write(data)
        self._stream.flush()

    def close(self):
        """Close the stream: the other side reads end-of-file."""
        self._stream.close()



def _objects(stream):
    """Yield each pickled object in stream until end-of-file."""
    while True:
        try:
            yield pickle.Unpickler(stream).load()
        except EOFError:
            return


def serve(stream, consumer):
    """Pass each object pickled in `stream` to consumer.send(); at EOF, consumer.close()."""
    for obj in _objects(stream):
        consumer.send(obj)
    consumer.close()



if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
