"""Ignores SIGINT, then sleeps: interrupting at the cell timeout does nothing."""
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
time.sleep(10**6)
