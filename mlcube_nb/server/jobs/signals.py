"""In-process wake-ups: the runner when a job is enqueued, the outbox when a delivery is queued, long-polling
requests when a job changes.

All are only shortcuts: the runner and the outbox also poll their tables and waiters re-read the job at
least every ``JobSignals.RECHECK_S``, so work added or finished by another server is still seen.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

WAKE_KEY = "mlcube_wake_after_commit"
JOBS, DELIVERIES = "jobs", "deliveries"
"""What a commit can have added: jobs (the runners wake) or rule-action deliveries (the outbox wakes)."""
_WAKEUPS: dict[str, weakref.WeakSet[threading.Event]] = {JOBS: weakref.WeakSet(), DELIVERIES: weakref.WeakSet()}


def register_wakeup(kind: str, wakeup: threading.Event) -> None:
    """Have *wakeup* set whenever a session of this process commits new work of *kind*."""
    _WAKEUPS[kind].add(wakeup)


def mark_added(session: Session, kind: str) -> None:
    """Note that *session* added work of *kind* (``JOBS``, ``DELIVERIES``), so its commit wakes who takes it."""
    session.info.setdefault(WAKE_KEY, set()).add(kind)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    for kind in session.info.pop(WAKE_KEY, ()):
        for wakeup in list(_WAKEUPS[kind]):
            wakeup.set()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(WAKE_KEY, None)


class Subscription:
    """One waiter's interest in one job; a publish sets its flag until the waiter has seen it."""

    def __init__(self, signals: JobSignals, job_id: str) -> None:
        self._signals = signals
        self.job_id = job_id
        self.loop = asyncio.get_running_loop()
        self.flag = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        """Wait for a publish (or *timeout* seconds); True when one came. Clears the flag."""
        try:
            await asyncio.wait_for(self.flag.wait(), timeout=max(timeout, 0.0))
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self.flag.clear()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_: object) -> None:
        self._signals._remove(self)


class JobSignals:
    """Tells async waiters (``GET /job/{id}?wait_s=``) that a job changed; the publisher is thread-safe.

    Subscribe *before* reading the job, then wait: a change published in between is not lost.
    """

    RECHECK_S = 0.5

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[Subscription]] = {}

    def subscribe(self, job_id: str) -> Subscription:
        """Start listening for changes of *job_id* (use as a context manager)."""
        sub = Subscription(self, job_id)
        with self._lock:
            self._waiters.setdefault(job_id, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            waiters = self._waiters.get(sub.job_id)
            if waiters is not None:
                waiters.discard(sub)
                if not waiters:
                    del self._waiters[sub.job_id]

    def publish(self, job_ids: Iterable[str]) -> None:
        """Wake every waiter of these jobs (called by the runner after each commit)."""
        with self._lock:
            waiters = [sub for job_id in job_ids for sub in self._waiters.get(job_id, ())]
        for sub in waiters:
            try:
                sub.loop.call_soon_threadsafe(sub.flag.set)
            except RuntimeError:  # the waiter's event loop has closed
                pass
