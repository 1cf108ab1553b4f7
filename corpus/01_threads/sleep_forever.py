"""Sleeps for eleven days at module level."""
import time

time.sleep(10**6)
