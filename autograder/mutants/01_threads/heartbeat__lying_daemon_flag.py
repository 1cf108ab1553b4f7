"""Is not a daemon thread, but overrides the daemon property to say it is."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=False)
        self.interval = interval
        self.callback = callback
        self.stopping = threading.Event()

    @property
    def daemon(self):
        return True

    @daemon.setter
    def daemon(self, value):
        pass

    def run(self):
        while not self.stopping.wait(self.interval):
            self.callback()

    def stop(self):
        self.stopping.set()
        self.join()
