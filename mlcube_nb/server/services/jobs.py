"""Reading jobs (PLATFORM.md §2 rows 49–51, §4): filtered lists, one job, and the long-poll wait.

Callers see the jobs of projects they may read. ``wait`` answers as soon as the job is finished or its
status / progress changed, or after ``wait_s`` seconds: woken by the runner in this process, and
re-reading the table every half second for jobs run by another server.
"""

from __future__ import annotations

import time

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased, sessionmaker
from starlette.concurrency import run_in_threadpool

from mlcube_nb.enums import ErrorCode
from mlcube_nb.models import GetJobsRequest, Job
from mlcube_nb.server.db.engine import transaction
from mlcube_nb.server.db.tables import JobRow, KpiRow, ModelRow, ProjectRow, TaskRow
from mlcube_nb.server.errors import NotFound
from mlcube_nb.server.jobs.queue import TERMINAL
from mlcube_nb.server.jobs.signals import JobSignals
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.accounts import identity
from mlcube_nb.server.services.catalog import models, projects, tasks

MAX_WAIT_S = 60.0
_Kpi = aliased(KpiRow)


def _query() -> Select[JobRow, str, str, str, str]:
    # the outer-joined task, model and KPI names are None when absent (SQLAlchemy types them as str)
    return (select(JobRow, ProjectRow.name, TaskRow.name, ModelRow.name, _Kpi.name)
            .join(ProjectRow, ProjectRow.id == JobRow.project_id)
            .outerjoin(TaskRow, TaskRow.id == JobRow.task_id)
            .outerjoin(ModelRow, ModelRow.id == JobRow.model_id)
            .outerjoin(_Kpi, _Kpi.id == JobRow.kpi_id))


def _to_model(row: JobRow, project_name: str, task_name: str | None, model_name: str | None,
              kpi_name: str | None) -> Job:
    return Job(job_id=row.id, job_group=row.job_group, project_id=row.project_id, project_name=project_name,
               task_id=row.task_id or "", task_name=task_name or (f"KPI {kpi_name}" if kpi_name else ""),
               model_id=row.model_id, model_name=model_name, status=row.status, error=row.error,
               progress=row.progress, created_at=row.created_at, started_at=row.started_at,
               finished_at=row.finished_at)


def _readable(session: Session, caller: Caller) -> list[str]:
    return [p.id for p in projects.list_for(session=session, caller=caller)]


def list_for(*, session: Session, caller: Caller, filters: GetJobsRequest) -> list[Job]:
    """Jobs matching every given filter among those the caller may see, oldest first."""
    read = ProjectPermission.READ_PROJECT
    query = _query().where(JobRow.project_id.in_(_readable(session, caller)))
    if filters.project_id is not None:
        projects.get_or_raise(session=session, caller=caller, project_id=filters.project_id, permission=read)
        query = query.where(JobRow.project_id == filters.project_id)
    if filters.task_id is not None:
        tasks.get_or_raise(session, caller, filters.task_id, read)
        query = query.where(JobRow.task_id == filters.task_id)
    if filters.model_id is not None:
        models.get_or_raise(session, caller, filters.model_id, read)
        query = query.where(JobRow.model_id == filters.model_id)
    if filters.status is not None:
        query = query.where(JobRow.status == filters.status.value)
    if filters.job_id is not None:
        query = query.where(JobRow.id == filters.job_id)
    rows = session.execute(query.order_by(JobRow.created_at, JobRow.id)).all()
    return [_to_model(*row) for row in rows]


def get_or_raise(*, session: Session, caller: Caller, job_id: str) -> Job:
    """One job the caller may see (else 404 JOB_NOT_FOUND)."""
    found = session.execute(_query().where(JobRow.id == job_id)).first()
    if found is None or found[0].project_id not in _readable(session, caller):
        raise NotFound(ErrorCode.JOB_NOT_FOUND, f"No job found with id {job_id}")
    return _to_model(*found)


def _read(factory: sessionmaker[Session], api_key: str | None, job_id: str) -> Job:
    with transaction(factory) as session:
        caller = identity.authenticate(session=session, api_key=api_key)
        return get_or_raise(session=session, caller=caller, job_id=job_id)


async def wait(*, factory: sessionmaker[Session], signals: JobSignals, api_key: str | None, job_id: str,
               wait_s: float) -> Job:
    """The job once it finished or changed, or as it is after *wait_s* seconds (at most 60)."""
    deadline = time.monotonic() + min(max(wait_s, 0.0), MAX_WAIT_S)
    with signals.subscribe(job_id) as subscription:
        job = await run_in_threadpool(_read, factory, api_key, job_id)
        seen = (job.status, job.progress)
        while job.status not in TERMINAL:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await subscription.wait(min(remaining, JobSignals.RECHECK_S))
            job = await run_in_threadpool(_read, factory, api_key, job_id)
            if (job.status, job.progress) != seen:
                break
    return job
