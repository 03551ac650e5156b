"""The outbox dispatcher: delivers queued rule actions with retries, recording every attempt.

Deliveries are written in the same transaction as their detection event (see
``services.monitoring.results.enqueue_deliveries``); this background thread, started in the app's
lifespan, claims due rows, runs the sender (``actions.dispatch.deliver``) outside any transaction,
and records the outcome. A failing receiver is retried with exponential backoff until
``max_attempts``, then marked ``failed``; it never blocks monitoring or other rules. The actions of
one rule for one event go out strictly in order: an action is due only once every earlier action of
the same rule and event has reached a final state.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, and_, bindparam, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from mlcube_nb.server.action_secrets import unseal
from mlcube_nb.server.actions.context import delivery_context
from mlcube_nb.server.actions.dispatch import backoff_delay, deliver
from mlcube_nb.server.actions.result import DeliveryResult
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import ModelRow, TaskRow
from mlcube_nb.server.db.tables.monitoring import DeliveryAttemptRow, DeliveryRow
from mlcube_nb.server.jobs.signals import DELIVERIES, register_wakeup
from mlcube_nb.server.settings import Settings

log = logging.getLogger("mlcube_nb.outbox")
FINAL = ("delivered", "failed")


class OutboxDispatcher:
    """A daemon thread that drains the deliveries table; ``run_once`` is the unit the tests drive."""

    def __init__(self, session_factory: sessionmaker[Session], settings: Settings, *, poll_s: float = 0.2,
                 idle_poll_s: float = 1.0, max_attempts: int | None = None, batch: int = 20,
                 parallel: int = 4) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.poll_s = poll_s
        self.idle_poll_s = max(idle_poll_s, poll_s)
        self.max_attempts = max_attempts or settings.delivery_max_attempts
        self.batch = batch
        self.parallel = parallel
        self._stop = threading.Event()
        self._wake = threading.Event()
        register_wakeup(DELIVERIES, self._wake)  # deliveries queued by this process start at their commit
        self._thread: threading.Thread | None = None
        self._due_query = self._due_statement()

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self.recover()
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="mlcube-outbox", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish its current delivery and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the delivery thread runs (what ``/readyz`` checks)."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        """Deliver while there is work; when idle, look again after ``poll_s``, doubling up to ``idle_poll_s``.

        Deliveries this process queues wake the loop at their commit; those queued by another server, and
        retries coming due, are found by the polls (an idle server no longer queries five times a second).
        """
        wait = self.poll_s
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # noqa: BLE001 - the dispatcher must outlive any single failure
                log.exception("outbox pass failed; retrying")
                worked = 0
            if worked:
                wait = self.poll_s
                continue
            woken = self._wake.wait(wait)
            self._wake.clear()
            wait = self.poll_s if woken else min(wait * 2, self.idle_poll_s)

    def _due_statement(self) -> Select[str]:
        """Pending deliveries whose time (``:now``) has come and whose earlier actions are final, oldest first."""
        earlier = aliased(DeliveryRow)
        blocked = select(earlier.id).where(and_(
            earlier.event_id == DeliveryRow.event_id, earlier.rule_id == DeliveryRow.rule_id,
            earlier.action_index < DeliveryRow.action_index, earlier.status.not_in(FINAL))).exists()
        return (select(DeliveryRow.id).where(DeliveryRow.status == "pending",
                                             DeliveryRow.next_attempt_at <= bindparam("now"), ~blocked)
                .order_by(DeliveryRow.created_at, DeliveryRow.action_index).limit(self.batch))

    def _due(self, session: Session) -> list[str]:
        """Ids of pending deliveries whose time has come and whose earlier actions are final."""
        return list(session.scalars(self._due_query, {"now": utcnow()}))

    def run_once(self) -> int:
        """Deliver what is due, several receivers at once; returns the number of attempts made.

        A due list holds at most one action of each (event, rule) chain, so running them in parallel keeps
        every rule's actions in order while a slow receiver does not hold up the others.
        """
        with self.session_factory() as session, session.begin():
            due = self._due(session)
        if not due or self._stop.is_set():
            return 0
        if len(due) == 1:
            return int(self._attempt(due[0]))
        with ThreadPoolExecutor(max_workers=min(self.parallel, len(due)), thread_name_prefix="mlcube-send") as pool:
            return sum(pool.map(self._attempt, due))

    def recover(self) -> int:
        """Put deliveries a stopped server left ``sending`` back in the queue (their attempt did not finish)."""
        with self.session_factory() as session, session.begin():
            return cast(CursorResult[Any], session.execute(
                update(DeliveryRow).where(DeliveryRow.status == "sending")
                .values(status="pending", next_attempt_at=utcnow()))).rowcount

    def _claim(self, delivery_id: str) -> dict[str, Any] | None:
        """Mark the row as sending (one dispatcher wins) and gather what the sender needs."""
        with self.session_factory() as session, session.begin():
            claimed = cast(CursorResult[Any], session.execute(update(DeliveryRow).where(
                DeliveryRow.id == delivery_id, DeliveryRow.status == "pending").values(status="sending")))
            if claimed.rowcount != 1:
                return None
            row = session.get(DeliveryRow, delivery_id)
            assert row is not None
            task = session.get(TaskRow, row.task_id)
            model = session.get(ModelRow, row.notice.get("model_id")) if row.notice.get("model_id") else None
            context = delivery_context(session, task, model, row.action, settings=self.settings)
            return {"action": unseal(self.settings, row.action), "notice": dict(row.notice),
                    "attempt": row.attempts + 1, **context}

    def _attempt(self, delivery_id: str) -> bool:
        job = self._claim(delivery_id)
        if job is None:
            return False
        if job.get("error"):
            # could not even be attempted (missing credentials or trigger): fail for good
            result = DeliveryResult(ok=False, status_code=None, error=job["error"], duration_ms=0.0, retryable=False)
        else:
            result = deliver(job["action"], job["notice"], credentials=job.get("credentials"),
                             trigger=job.get("trigger"), settings=self.settings)
        with self.session_factory() as session, session.begin():
            row = session.get(DeliveryRow, delivery_id)
            if row is None:
                return True
            row.attempts = job["attempt"]
            row.last_status_code, row.last_error = result.status_code, None if result.ok else result.error
            session.add(DeliveryAttemptRow(delivery_id=row.id, attempt=row.attempts, ok=result.ok,
                                           status_code=result.status_code, error=None if result.ok else result.error,
                                           duration_ms=result.duration_ms))
            if result.ok:
                row.status, row.delivered_at = "delivered", utcnow()
            elif row.attempts >= self.max_attempts or not result.retryable:
                row.status = "failed"
                log.warning("delivery %s (%s) failed for good after %d attempts", row.id, row.action_type,
                            row.attempts)
            else:
                row.status = "pending"
                delay = backoff_delay(row.attempts) * self.settings.delivery_backoff_s
                row.next_attempt_at = utcnow() + timedelta(seconds=delay)
        return True

