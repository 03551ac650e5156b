"""Job methods (PLATFORM.md §2 rows 49–51, §4): list, read, show, and wait with a progress bar.

``wait_job_completion`` long-polls ``GET /job/{id}?wait_s=...``: the platform answers as soon as the
job finishes or moves on, so the wait ends within milliseconds of the job's end (v1 polls every 30 s).
A ``tqdm.auto`` bar shows the progress and status (a widget in Jupyter that ends as a one-line summary,
text on a terminal; see ``_progress``).
"""

from __future__ import annotations

import time

from mlcube_nb.client._base import ClientCore, segment
from mlcube_nb.client._progress import job_bar
from mlcube_nb.client._records import RecordList
from mlcube_nb.client._tables import jobs_table
from mlcube_nb.enums import ErrorCode, JobStatus
from mlcube_nb.exceptions import (
    JobFailureException,
    JobNotFoundException,
    JobWaitTimeoutException,
    SDKClientException,
)
from mlcube_nb.models import GetJobsRequest, Job

__all__ = ["JobMethods"]

LONG_POLL_S = 25.0


class JobMethods(ClientCore):
    """Jobs the platform runs for data uploads, references, reports."""

    def get_jobs(
        self,
        project_id: str | None = None,
        task_id: str | None = None,
        model_id: str | None = None,
        status: JobStatus | None = None,
        job_id: str | None = None,
    ) -> RecordList[Job]:
        """Return the jobs matching every given filter (none: all jobs you may see)."""
        query = self._build(GetJobsRequest, SDKClientException, project_id=project_id, task_id=task_id,
                            model_id=model_id, status=status, job_id=job_id)
        return self._parse_list(Job, self._call("GET", "/job", params=query.model_dump(exclude_none=True)))

    def get_job(self, job_id: str) -> Job:
        """Return one job; JobNotFoundException (an SDKClientException) when there is none with that id."""
        return self._parse(Job, self._call("GET", f"/job/{segment(job_id)}"))

    def show_jobs(self) -> None:
        """Print every job you may see as a table."""
        print(jobs_table(self.get_jobs()))

    def _poll(self, job_id: str, wait_s: float) -> Job:
        return self._parse(Job, self._call("GET", f"/job/{segment(job_id)}", params={"wait_s": round(wait_s, 3)}))

    def wait_job_completion(self, job_id: str, max_wait_timeout: int = 3000) -> None:
        """Wait until the job completes, showing its progress.

        Raises JobWaitTimeoutException after ``max_wait_timeout`` seconds, JobNotFoundException for an
        unknown id, JobFailureException (with the platform's reason) when the job ends in error.
        """
        deadline = time.monotonic() + max_wait_timeout
        per_call = max(1.0, min(LONG_POLL_S, float(self._transport.timeout) - 5.0))
        with job_bar(job_id) as update:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise JobWaitTimeoutException(ErrorCode.JOB_WAIT_TIMEOUT,
                                                  f"Job {job_id} did not finish within {max_wait_timeout} s")
                try:
                    job = self._poll(job_id, min(per_call, remaining))
                except JobNotFoundException:
                    raise
                except SDKClientException as err:
                    if err.error_code == ErrorCode.JOB_NOT_FOUND:
                        raise JobNotFoundException(err.error_code, err.error_message) from err
                    raise
                update(job.progress or 0.0, f"{job.job_group}: {job.status}")
                if job.status == JobStatus.COMPLETED:
                    return
                if job.status == JobStatus.ERROR:
                    raise JobFailureException(ErrorCode.JOB_FAILED, f"Job {job_id} failed: {job.error}")
