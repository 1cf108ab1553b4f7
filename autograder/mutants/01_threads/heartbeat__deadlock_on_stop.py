"""stop() joins the thread while holding the lock the thread needs: a deadlock."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopped = False

    def run(self):
        while True:
            self.wake.wait(self.interval)
            with self.lock:
                if self.stopped:
                    return
                self.callback()

    def stop(self):
        with self.lock:
            self.stopped = True
            self.wake.set()
            self.join()
