"""Five ``kill -9`` rounds of a ``mlcube-nb serve`` while batches upload and their jobs run.

Each round starts uploads in a thread, kills the server process alone (its workers get no signal
from us) a little later each round, checks that every child process is gone, restarts the server
and sends again each batch whose answer was lost, as a client would. In the end every batch is
stored exactly once (rows and files), every job is COMPLETED or ERROR with a reason, and no
process outlives the last kill.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from mlcube_nb import ML3PlatformClient
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.server.db.engine import make_engine, make_session_factory
from mlcube_nb.server.db.tables import BatchFileRow, BatchRow, JobRow, UploadRow
from tests.server.data_helpers import files_under, frame, inputs_of, tabular
from tests.server.reliability_helpers import Served, company_with_task, free_port, wait_gone

pytestmark = [pytest.mark.reliability,
              pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and process trees")]

ROUNDS = 5
BATCHES_PER_ROUND = 3
ROWS = 20_000


def _send(client: ML3PlatformClient, task_id: str, batch: pd.DataFrame) -> str | None:
    """The job id of the batch, or None when the server died before answering."""
    try:
        return client.add_production_data(task_id, inputs=tabular(batch))
    except (SDKClientException, OSError):
        return None


def _round(client: ML3PlatformClient, task_id: str, batches: list[pd.DataFrame], jobs: dict[int, str | None],
           first: int) -> threading.Thread:
    def upload() -> None:
        for offset, batch in enumerate(batches):
            jobs[first + offset] = _send(client, task_id, batch)

    thread = threading.Thread(target=upload, name="kill9-uploads", daemon=True)
    thread.start()
    return thread


def test_five_kill_9_rounds_during_uploads_and_jobs_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    served = Served(tmp_path / "home", secrets.token_urlsafe(16), free_port(), executor="process:1").start()
    jobs: dict[int, str | None] = {}
    batches = [inputs_of(frame(ROWS, start=float(i * ROWS), prefix=f"r{i}-", seed=i))
               for i in range(ROUNDS * BATCHES_PER_ROUND)]
    survived = 0
    try:
        client = ML3PlatformClient(served.url, served.key, timeout=30)
        _, task_id = company_with_task(client)
        for number in range(ROUNDS):
            first = number * BATCHES_PER_ROUND
            uploads = _round(client, task_id, batches[first:first + BATCHES_PER_ROUND], jobs, first)
            time.sleep(0.4 + 0.5 * number)  # a little later each round: mid-upload first, mid-job later
            children = served.descendants()
            served.kill_9()
            left = wait_gone(children, timeout_s=5.0)
            assert not left, f"round {number}: orphans {[' '.join(p.cmdline())[:80] for p in left]}"
            uploads.join(timeout=60)
            assert not uploads.is_alive()
            served.start()
            for index in range(first, first + BATCHES_PER_ROUND):
                if jobs.get(index) is None:  # the answer was lost: send the same batch again
                    jobs[index] = _send(client, task_id, batches[index])
                assert jobs[index], f"batch {index} could not be sent after the restart"
            survived += 1
        for job_id in set(jobs.values()):
            assert job_id is not None
            try:
                client.wait_job_completion(job_id, max_wait_timeout=180)
            except SDKClientException:
                pass  # an ERROR job is checked below: it must carry its reason
        children = served.descendants()
        served.kill_9()
        assert not wait_gone(children, timeout_s=5.0), "orphans after the last kill"
    finally:
        served.stop()
    engine = make_engine(f"sqlite:///{served.home / 'mlcube.db'}")
    with make_session_factory(engine)() as session:
        stored = session.scalars(select(BatchRow).where(BatchRow.task_id == task_id)).all()
        job_rows = [session.get(JobRow, job_id) for job_id in set(jobs.values())]
        recorded = set(session.scalars(select(BatchFileRow.path).where(BatchFileRow.task_id == task_id)))
        slots = set(session.scalars(select(UploadRow.id).where(UploadRow.task_id == task_id)))
    engine.dispose()
    print(f"\nkill -9: {survived} of {ROUNDS} rounds survived, {len(batches)} batches, {len(stored)} stored, "
          f"jobs {sorted((j.status if j else 'missing') for j in job_rows)}; "
          f"errors {[j.error for j in job_rows if j is not None and j.status == 'error']}")
    assert survived == ROUNDS
    assert len(stored) == len(batches), "a batch was lost or stored twice"
    assert len({b.job_id for b in stored}) == len(batches)
    root = served.home / "data"
    files = {path.relative_to(root).as_posix() for path in files_under(root / "tasks" / task_id)}
    assert len(recorded) == len(stored) and recorded <= files, "a batch file was lost or written twice"
    # besides them, only uploads a kill cut short, staged under the slots that remain (their sweep removes them)
    unfinished = files - recorded
    assert all(Path(f).parent.name == "uploads" and Path(f).name.split(".")[0] in slots for f in unfinished), \
        (unfinished, slots)
    for row in job_rows:
        assert row is not None
        assert row.status in ("completed", "error"), (row.id, row.status)
        if row.status == "error":
            assert row.error, f"job {row.id} ended in error without a reason"
