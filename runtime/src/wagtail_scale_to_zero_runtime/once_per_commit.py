"""Run a callable once when the current transaction commits, however many changes asked for it.

Each ``request()`` registers a ``transaction.on_commit`` callback (at once outside a
transaction); the first callback of a thread to run covers every request made
before it, and the others return. A rolled-back transaction drops its callbacks
with it, so nothing is left marked as pending: the next request registers anew.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial


class OncePerCommit:
    """``action`` once per committed transaction (per thread), for any number of requests in it."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action
        self._state = threading.local()  # per thread: the requests so far, and the last one a run covered

    def request(self) -> None:
        from django.db import transaction

        requested = getattr(self._state, "requested", 0) + 1
        self._state.requested = requested
        transaction.on_commit(partial(self._run, requested))

    def _run(self, requested: int) -> None:
        if requested <= getattr(self._state, "covered", 0):
            return
        self._state.covered = self._state.requested
        self.action()
