%%writefile my_coprocess.py
"""Serve wraps both the load and consumer.send in one try, so an EOFError raised by the consumer ends the stream quietly.

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
    try:
        while True:
            consumer.send(pickle.load(stream))
    except EOFError:
        pass
    consumer.close()



if __name__ == "__main__":
    from coursekit.mp_tools import load_consumer

    serve(sys.stdin.buffer, load_consumer(sys.argv[1]))
