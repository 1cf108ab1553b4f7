%%writefile my_coprocess.py
"""Serve makes one pickle.Unpickler and calls load() on it again and again: its memo leaks from one pickle into the next.

Run the receiving side as:   python -m my_coprocess package.module:ConsumerClass
"""
import pickle
import sys



class CoprocessSender:
    """Send objects, pickled, down a binary stream (for example a child's stdin)."""

    def __init__(self, stream):
        self.stream = stream

    def send(self, obj):
        """Write obj to the stream so that the other side can read it at once."""
        pickle.dump(obj, self.stream)
        self.stream.flush()

    def close(self):
        """Close the stream: the other side reads end-of-file."""
        self.stream.close()



def serve(stream, consumer):
    """Pass each object pickled in `stream` to consumer.send(); at EOF, consumer.close()."""
    unpickler = pickle.Unpickler(stream)
    while True:
        try:
            obj = unpickler.load()
        except EOFError:
            break
        consumer.send(obj)
    consumer.close()



if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
