"""Job routes (PLATFORM.md §2 rows 49–50, §4): list with filters, and one job with an optional long poll."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Security

from mlcube_nb.models import GetJobsRequest, Job
from mlcube_nb.server.routes.deps import API_KEY_HEADER, CallerDep, SessionDep
from mlcube_nb.server.services import jobs

router = APIRouter(tags=["jobs"])


@router.get("/job", operation_id="get_jobs")
def get_jobs(filters: Annotated[GetJobsRequest, Query()], session: SessionDep, caller: CallerDep) -> list[Job]:
    return jobs.list_for(session=session, caller=caller, filters=filters)


@router.get("/job/{job_id}", operation_id="wait_job")
async def wait_job(job_id: str, request: Request,
                   wait_s: Annotated[float, Query(ge=0, le=60, allow_inf_nan=False)] = 0.0,
                   x_api_key: Annotated[str | None, Security(API_KEY_HEADER)] = None) -> Job:
    """The job; with ``wait_s`` the answer waits until it finishes or changes (at most 60 s)."""
    return await jobs.wait(factory=request.app.state.session_factory, signals=request.app.state.job_signals,
                           api_key=x_api_key, job_id=job_id, wait_s=wait_s)
