"""Keeps results and errors in dicts keyed by index, and a Thread subclass per call."""

import threading


class _Call(threading.Thread):
    def __init__(self, func, args):
        super().__init__()
        self.func = func
        self.call_args = args
        self.failed = False
        self.outcome = None

    def run(self):
        try:
            self.outcome = self.func(*self.call_args)
        except BaseException as exc:
            self.failed = True
            self.outcome = exc


def run_in_threads(func, arg_tuples):
    calls = {i: _Call(func, args) for i, args in enumerate(arg_tuples)}
    for call in calls.values():
        call.start()
    results = {}
    errors = {}
    for i, call in calls.items():
        call.join()
        (errors if call.failed else results)[i] = call.outcome
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(calls))]
