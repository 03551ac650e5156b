"""Every state change of a job, each a small function over a session (the caller owns the transaction).

Life cycle: ``idle`` (enqueued) -> ``starting`` (claimed by a runner) -> ``running`` (steps on the
executor) -> ``completed`` | ``error``. Jobs with the same queue key (one task, or one KPI) run one at
a time in submission order: :func:`enqueue` numbers them under the queue row's lock, and
:func:`claim` takes the queue (``running_job_id``) with a compare-and-set, so two runners — even on
two servers — never run two jobs of one queue together.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlcube_nb.enums import JobStatus
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import JobQueueRow, JobRow
from mlcube_nb.server.jobs.signals import JOBS, mark_added

ACTIVE = (JobStatus.STARTING.value, JobStatus.RUNNING.value)
TERMINAL = (JobStatus.COMPLETED.value, JobStatus.ERROR.value)
MAX_ERROR_CHARS = 4000


def queue_key(*, task_id: str | None, kpi_id: str | None, project_id: str) -> str:
    """The queue a job belongs to: its task, else its KPI, else its project."""
    if task_id:
        return task_id
    return f"kpi:{kpi_id}" if kpi_id else f"project:{project_id}"


def _next_seq(session: Session, key: str) -> int:
    """The next submission number of a queue; the row lock it takes orders concurrent submissions."""
    for _ in range(3):
        bumped = session.execute(
            update(JobQueueRow).where(JobQueueRow.queue_key == key)
            .values(next_seq=JobQueueRow.next_seq + 1).returning(JobQueueRow.next_seq)
        ).scalar_one_or_none()
        if bumped is not None:
            return int(bumped)
        try:
            with session.begin_nested():
                session.add(JobQueueRow(queue_key=key, next_seq=1, running_job_id=None))
            return 1
        except IntegrityError:  # another request created the queue first: bump it instead
            continue
    raise RuntimeError(f"could not number a job of queue {key}")


def enqueue(
    session: Session, *, job_group: str, pipeline: str, project_id: str, payload: Mapping[str, Any],
    task_id: str | None = None, model_id: str | None = None, kpi_id: str | None = None,
) -> JobRow:
    """Add an idle job; it becomes visible to runners (and wakes them) when the transaction commits."""
    key = queue_key(task_id=task_id, kpi_id=kpi_id, project_id=project_id)
    row = JobRow(job_group=job_group, pipeline=pipeline, project_id=project_id, task_id=task_id,
                 model_id=model_id, kpi_id=kpi_id, queue_key=key, seq=_next_seq(session, key),
                 status=JobStatus.IDLE.value, progress=0.0, payload=dict(payload), attempts=0, created_at=utcnow())
    session.add(row)
    session.flush()
    mark_added(session, JOBS)
    return row


@dataclass(frozen=True)
class Candidate:
    """The first idle job of a free queue."""

    job_id: str
    queue_key: str


def candidates(session: Session, limit: int) -> list[Candidate]:
    """Up to *limit* jobs a runner may claim: the lowest-numbered idle job of each queue nobody runs."""
    if limit <= 0:
        return []
    rows = session.execute(
        select(JobRow.id, JobRow.queue_key, JobRow.created_at)
        .join(JobQueueRow, JobQueueRow.queue_key == JobRow.queue_key)
        .where(JobRow.status == JobStatus.IDLE.value, JobQueueRow.running_job_id.is_(None))
        .order_by(JobRow.queue_key, JobRow.seq)
    ).all()
    first: dict[str, tuple[str, datetime]] = {}
    for job_id, key, created in rows:
        first.setdefault(key, (job_id, created))
    ordered = sorted(first.items(), key=lambda item: item[1][1])  # oldest queue head first: fairness
    return [Candidate(job_id, key) for key, (job_id, _) in ordered[:limit]]


def claim(session: Session, candidate: Candidate, worker: str) -> JobRow | None:
    """Take the job's queue and the job itself for *worker*; None when another runner was quicker."""
    taken = cast(CursorResult[Any], session.execute(
        update(JobQueueRow).where(JobQueueRow.queue_key == candidate.queue_key,
                                  JobQueueRow.running_job_id.is_(None))
        .values(running_job_id=candidate.job_id)
    )).rowcount
    if taken != 1:
        return None
    now = utcnow()
    started = cast(CursorResult[Any], session.execute(
        update(JobRow).where(JobRow.id == candidate.job_id, JobRow.status == JobStatus.IDLE.value)
        .values(status=JobStatus.STARTING.value, claimed_by=worker, attempts=JobRow.attempts + 1,
                started_at=now, heartbeat_at=now, progress=0.0, error=None)
    )).rowcount
    if started != 1:
        _release(session, candidate.job_id)
        return None
    row = session.get(JobRow, candidate.job_id, populate_existing=True)
    return row


def _release(session: Session, job_id: str) -> None:
    session.execute(update(JobQueueRow).where(JobQueueRow.running_job_id == job_id).values(running_job_id=None))


def owned(session: Session, job_id: str, worker: str) -> JobRow | None:
    """The job if it is still active and claimed by *worker* (a recovered job is no longer ours)."""
    row = session.get(JobRow, job_id, populate_existing=True)
    if row is None or row.status not in ACTIVE or row.claimed_by != worker:
        return None
    return row


def set_running(session: Session, job_id: str, worker: str, progress: float) -> bool:
    """Record progress (0..1) of a claimed job and mark it running."""
    return cast(CursorResult[Any], session.execute(
        update(JobRow).where(JobRow.id == job_id, JobRow.claimed_by == worker, JobRow.status.in_(ACTIVE))
        .values(status=JobStatus.RUNNING.value, progress=progress, heartbeat_at=utcnow())
    )).rowcount == 1


def complete(session: Session, row: JobRow) -> None:
    """Mark a claimed job completed and free its queue (same transaction as the results)."""
    row.status, row.progress, row.finished_at, row.error = JobStatus.COMPLETED.value, 1.0, utcnow(), None
    _release(session, row.id)


def fail(session: Session, row: JobRow, reason: str) -> None:
    """Mark a job as failed with a reason the user will read, and free its queue."""
    row.status, row.finished_at = JobStatus.ERROR.value, utcnow()
    row.error = reason[:MAX_ERROR_CHARS]
    _release(session, row.id)


def heartbeat(session: Session, job_ids: list[str], worker: str) -> None:
    """Show that *worker* is still alive and running these jobs."""
    if job_ids:
        session.execute(update(JobRow).where(JobRow.id.in_(job_ids), JobRow.claimed_by == worker)
                        .values(heartbeat_at=utcnow()))


def release_to_idle(session: Session, job_ids: list[str], worker: str) -> None:
    """On a graceful shutdown: put our unfinished jobs back in their queues for the next start."""
    for job_id in job_ids:
        row = owned(session, job_id, worker)
        if row is not None:
            row.status, row.progress, row.claimed_by = JobStatus.IDLE.value, 0.0, None
            row.attempts = max(0, row.attempts - 1)
            _release(session, row.id)


def worker_name(token: str) -> str:
    """How a runner signs its claims: ``host:pid:token``."""
    return f"{socket.gethostname()}:{os.getpid()}:{token}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_orphan(row: JobRow, me: str, lease: timedelta, now: datetime) -> bool:
    """Whether the runner that claimed the job is gone: dead process on this host, or a stale heartbeat."""
    host, pid, token = (row.claimed_by or "::").rsplit(":", 2)
    my_host, my_pid, my_token = me.rsplit(":", 2)
    if host == my_host and pid.isdigit():
        if int(pid) == int(my_pid):
            return token != my_token  # an earlier runner of this same process (restarted app)
        if not _pid_alive(int(pid)):
            return True
    return row.heartbeat_at is None or now - row.heartbeat_at > lease


def recover(session: Session, *, me: str, lease: timedelta, max_attempts: int) -> list[str]:
    """Requeue (or fail, after *max_attempts*) the active jobs whose runner died; returns their ids.

    Pipelines are idempotent, so a job cut short by a crash is simply run again; one that kept dying
    ends in ``error`` with the reason, so a poisonous job cannot take a server down forever.
    """
    now = utcnow()
    changed = []
    for row in session.scalars(select(JobRow).where(JobRow.status.in_(ACTIVE))):
        if row.claimed_by == me or not _is_orphan(row, me, lease, now):
            continue
        _release(session, row.id)
        if row.attempts >= max_attempts:
            fail(session, row, f"The server stopped while running this job {row.attempts} times; it was "
                               "given up. Check the server log, then submit the request again.")
        else:
            row.status, row.progress, row.claimed_by, row.error = JobStatus.IDLE.value, 0.0, None, None
        changed.append(row.id)
    # A queue claimed by a job that is no longer active (e.g. deleted) is freed too.
    stuck = select(JobQueueRow).where(JobQueueRow.running_job_id.is_not(None))
    for queue in session.scalars(stuck):
        job = session.get(JobRow, queue.running_job_id)
        if job is None or job.status not in ACTIVE:
            queue.running_job_id = None
    return changed
