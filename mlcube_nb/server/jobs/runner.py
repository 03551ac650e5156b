"""The job runner: a background thread that claims jobs and runs their pipeline steps on an executor.

One loop, woken by new jobs, finished steps, or a short poll (jobs enqueued by other servers):

1. collect finished steps: submit the next step, or finish the job (the pipeline's ``finish`` and
   ``queue.complete`` in one transaction), or record the failure;
2. now and then: heartbeat our jobs, requeue jobs of dead runners, sweep expired uploads;
3. claim idle jobs (one per free queue) while the executor has room, and submit their first step.

Every change is committed before the waiters are signalled, so ``wait_job_completion`` never sees
a job completed whose results are not yet readable.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from mlcube_nb.server.db.engine import transaction
from mlcube_nb.server.jobs import queue
from mlcube_nb.server.jobs.catalog import Pipeline, build_catalog
from mlcube_nb.server.jobs.executors import ExecutorHandle, make_executor
from mlcube_nb.server.jobs.signals import JOBS, JobSignals, register_wakeup

log = logging.getLogger("mlcube_nb.jobs")

Maintenance = Callable[[Session], None]


@dataclass
class _Flight:
    """A claimed job and its step on the executor."""

    job_id: str
    pipeline: Pipeline
    payload: dict[str, Any]
    step: int = 0
    carried: dict[str, Any] = field(default_factory=dict)
    future: Future[Any] | None = None


class JobRunner:
    """Claims and runs jobs; ``start``/``stop`` from the app's lifespan."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        executor: str | ExecutorHandle,
        signals: JobSignals,
        context: Mapping[str, Any],
        pipelines: Mapping[str, Pipeline] | None = None,
        poll_s: float = 0.5,
        lease_s: float = 60.0,
        max_attempts: int = 3,
        maintenance: Maintenance | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.signals = signals
        self.context = dict(context)
        self._executor_spec = executor
        self._pipelines = pipelines
        self.poll_s = poll_s
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts
        self.maintenance = maintenance
        self.worker = queue.worker_name(secrets.token_hex(4))
        self.handle: ExecutorHandle | None = None
        self._flights: dict[str, _Flight] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_heartbeat = 0.0
        self._last_recovery = 0.0

    # --- life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Create the executor, requeue what a dead runner left, and start the loop thread."""
        if self._pipelines is None:
            self._pipelines = build_catalog()
        spec = self._executor_spec
        self.handle = spec if isinstance(spec, ExecutorHandle) else make_executor(spec)
        register_wakeup(JOBS, self._wake)
        self._recover()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mlcube-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; jobs still in flight go back to their queue for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._flights:
            try:
                with transaction(self.session_factory) as session:
                    queue.release_to_idle(session, list(self._flights), self.worker)
            except Exception:  # noqa: BLE001 - shutting down: the next start recovers them anyway
                log.exception("could not requeue in-flight jobs at shutdown")
            self._flights.clear()
        if self.handle is not None:
            self.handle.close()

    def wake(self) -> None:
        """Look for work now."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        """Whether the loop thread runs (what ``/readyz`` checks)."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    @property
    def in_flight(self) -> list[str]:
        """Ids of the jobs this runner is running."""
        return list(self._flights)

    # --- the loop ---------------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._collect()
                self._housekeeping()
                self._claim()
            except Exception:  # noqa: BLE001 - the runner must outlive any single failure
                log.exception("job runner pass failed; retrying")
                self._stop.wait(1.0)
            if not any(f.future is not None and f.future.done() for f in self._flights.values()):
                self._wake.wait(self.poll_s)

    def _publish(self, job_ids: list[str]) -> None:
        if job_ids:
            self.signals.publish(job_ids)

    def _claim(self) -> None:
        assert self.handle is not None and self._pipelines is not None
        room = self.handle.capacity - len(self._flights)
        if room <= 0:
            return
        with transaction(self.session_factory) as session:
            candidates = queue.candidates(session, room)
        for candidate in candidates:
            if self._stop.is_set():
                return
            with transaction(self.session_factory) as session:
                row = queue.claim(session, candidate, self.worker)
                if row is None:
                    continue
                pipeline = self._pipelines.get(row.pipeline)
                if pipeline is None:  # e.g. enqueued by a newer server version
                    queue.fail(session, row, f"This server has no pipeline named {row.pipeline!r}; upgrade it")
                else:
                    payload = {**row.payload, **self.context}
                    if pipeline.prepare is not None:
                        try:
                            payload |= pipeline.prepare(session, payload)
                        except Exception as exc:  # noqa: BLE001 - a failing preparation fails the job
                            log.exception("job %s (%s) could not be prepared", row.id, row.pipeline)
                            queue.fail(session, row, f"Preparing the job failed: {exc}")
                            pipeline = None
                    if pipeline is not None:
                        flight = _Flight(row.id, pipeline, payload)
            if pipeline is None:
                self._publish([candidate.job_id])
                continue
            self._flights[flight.job_id] = flight
            self._publish([flight.job_id])
            self._submit(flight)

    def _submit(self, flight: _Flight) -> None:
        """Send the flight's current step to the executor and record the job as running."""
        assert self.handle is not None
        steps = flight.pipeline.steps
        progress = flight.step / (len(steps) + 1)
        with transaction(self.session_factory) as session:
            still_ours = queue.set_running(session, flight.job_id, self.worker, progress)
        if not still_ours:
            self._flights.pop(flight.job_id, None)
            return
        self._publish([flight.job_id])
        try:
            future = self.handle.executor.submit(steps[flight.step], flight.payload, flight.carried)
        except Exception as exc:  # noqa: BLE001 - e.g. a broken pool: fail this job, renew the pool
            self._renew_executor(exc)
            future = Future()
            future.set_exception(exc)
        future.add_done_callback(lambda _: self._wake.set())
        flight.future = future

    def _collect(self) -> None:
        for flight in list(self._flights.values()):
            future = flight.future
            if future is None or not future.done():
                continue
            error = future.exception()
            if error is not None:
                self._fail(flight, error)
                continue
            flight.carried = future.result() or {}
            flight.step += 1
            if flight.step < len(flight.pipeline.steps):
                self._submit(flight)
            else:
                self._finish(flight)

    def _finish(self, flight: _Flight) -> None:
        self._flights.pop(flight.job_id, None)
        try:
            with transaction(self.session_factory) as session:
                row = queue.owned(session, flight.job_id, self.worker)
                if row is None:
                    return  # recovered by another runner meanwhile: its run decides
                flight.pipeline.finish(session, row, flight.carried)
                queue.complete(session, row)
        except Exception as exc:  # noqa: BLE001 - a failing finish fails the job, not the runner
            self._fail(flight, exc)
            return
        self._publish([flight.job_id])

    def _fail(self, flight: _Flight, error: BaseException) -> None:
        self._flights.pop(flight.job_id, None)
        if isinstance(error, BrokenProcessPool):
            self._renew_executor(error)
        reason = _reason(flight, error)
        log.error("job %s (%s) failed: %s\n%s", flight.job_id, flight.pipeline.name, reason,
                  "".join(traceback.format_exception(error)))
        with transaction(self.session_factory) as session:
            row = queue.owned(session, flight.job_id, self.worker)
            if row is not None:
                queue.fail(session, row, reason)
        self._publish([flight.job_id])

    def _renew_executor(self, error: BaseException) -> None:
        """Replace a broken process pool (a worker died) so later jobs can run."""
        if self.handle is None or self.handle.kind != "process" or isinstance(self._executor_spec, ExecutorHandle):
            return
        log.warning("the process pool broke (%s); starting a new one", error)
        self.handle.close()
        self.handle = make_executor(str(self._executor_spec))

    # --- housekeeping -----------------------------------------------------------------------------

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat >= 5.0:
            self._last_heartbeat = now
            with transaction(self.session_factory) as session:
                queue.heartbeat(session, list(self._flights), self.worker)
        if now - self._last_recovery >= 30.0:
            self._recover()

    def _recover(self) -> None:
        self._last_recovery = time.monotonic()
        with transaction(self.session_factory) as session:
            changed = queue.recover(session, me=self.worker, lease=self.lease, max_attempts=self.max_attempts)
        if changed:
            log.warning("requeued or failed %d job(s) left behind by a stopped runner: %s", len(changed), changed)
            self._publish(changed)
        if self.maintenance is not None:
            try:
                with transaction(self.session_factory) as session:
                    self.maintenance(session)
            except Exception:  # noqa: BLE001 - housekeeping must not stop the runner
                log.exception("job runner maintenance failed")


def _reason(flight: _Flight, error: BaseException) -> str:
    """The error text users read in ``Job.error``."""
    if isinstance(error, BrokenProcessPool):
        return ("The worker process running this job died (out of memory?); submit the request again or "
                "ask the administrator to check the server")
    message = str(error) or type(error).__name__
    steps = flight.pipeline.steps
    step = steps[flight.step].__name__ if flight.step < len(steps) else "finish"
    return f"{flight.pipeline.name} pipeline failed in step {step}: {type(error).__name__}: {message}"
