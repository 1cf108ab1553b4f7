"""Beats on a fixed schedule of deadlines (no drift) and polls a flag in short Event waits."""

import threading
import time


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.stop_requested = False

    def run(self):
        due = time.monotonic() + self.interval
        while True:
            self.wake.wait(max(0.0, due - time.monotonic()))
            with self.lock:
                if self.stop_requested:
                    return
            if time.monotonic() >= due:
                self.callback()
                due = max(due + self.interval, time.monotonic())

    def stop(self):
        with self.lock:
            self.stop_requested = True
        self.wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()
