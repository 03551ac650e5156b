"""The server side of ingest jobs: what they read when claimed and what they write when they finish.

The job's steps (``pipelines/ingest.py``) run on the executor and return JSON; this module gives them
the state they start from (each model's reference summary and estimator, a KPI's state) and, in the
transaction that completes the job, writes the batch's statistics, its monitoring results and
estimates, and marks it ingested — all of it or nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mlcube_nb.server.db.tables import BatchRow, JobRow
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.services.monitoring import estimation_results
from mlcube_nb.server.services.monitoring import results as monitoring_results


def prepare(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    """Claim-time additions to the job's context: monitoring states, and label-free estimators for batches."""
    kind, context = BatchKind(payload["kind"]), dict(payload.get("context") or {})
    monitoring = monitoring_results.batch_context(session, kind, context)
    if monitoring is None:
        return {}
    context["monitoring"] = monitoring
    if kind.monitored:
        context["estimation"] = estimation_results.batch_context(
            session, [m["id"] for m in context.get("models", [])], context.get("attached_batches") or [])
    return {"context": context}


def finish(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Keep the statistics, write monitoring results and estimates, mark the batch ingested."""
    payload = job.payload
    batch = session.get(BatchRow, payload["batch_id"])
    if batch is None:  # the task was deleted meanwhile
        return
    batch.stats = carried.get("stats")
    monitoring_results.store_batch_analysis(session, payload["context"], carried.get("analysis"))
    estimation_results.store_batch_estimates(session, carried)
    batch.ingested = True
