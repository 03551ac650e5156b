"""Reference pipeline: a model's reference is the task's stored samples inside some time intervals.

Used by ``set_model_reference`` and ``update_model_version_from_time_range`` (the latter after the
request created the new model version). The request checked the size rule; the job measures the
reference (rows, time span), lets monitoring summarise it, and records it on the model — replacing
any earlier reference, so running it twice gives the same row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc

from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import ModelRow, ReferenceRow
from mlcube_nb.server.pipelines import estimation, hooks
from mlcube_nb.server.pipelines.base import Pipeline, register, release_memory
from mlcube_nb.server.pipelines.ingest import view_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mlcube_nb.server.db.tables import JobRow


def measure(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 1: how many samples the intervals hold and the time span they cover."""
    view = view_of(payload)
    category = payload.get("sample_category", "input")
    times = view.table(category, columns=[view.time_column])[view.time_column]
    bounds = pc.min_max(times) if len(times) else None
    release_memory()
    return {**carried, "n_rows": len(times),
            "time_min": bounds["min"].as_py() if bounds else None,
            "time_max": bounds["max"].as_py() if bounds else None}


def analyse(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 2: the monitoring hook summarising the reference."""
    analysis = hooks.analyse_reference(payload["context"], view_of(payload))
    release_memory()
    return {**carried, "analysis": analysis}


def record_reference(session: Session, job: JobRow, carried: dict[str, Any], intervals: list[list[float]],
                     segments: list[Any]) -> ModelRow | None:
    """Record a measured reference on the job's model (replacing an earlier one) and store its monitoring summary.

    Returns the model, or None when it was deleted meanwhile (then nothing is written).
    """
    payload = job.payload
    model = session.get(ModelRow, payload["model_id"])
    if model is None:
        return None
    row = session.get(ReferenceRow, model.id) or ReferenceRow(model_id=model.id, task_id=model.task_id)
    row.intervals, row.segment_references = intervals, segments
    row.n_rows, row.time_min, row.time_max = carried["n_rows"], carried["time_min"], carried["time_max"]
    row.job_id, row.created_at = job.id, utcnow()
    session.add(row)
    hooks.store_reference(session, payload["context"], carried.get("analysis"))
    estimation.store_reference(session, job, carried)
    return model


def finish(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Record the reference's time intervals on the model and let monitoring write its part."""
    record_reference(session, job, carried, job.payload["intervals"], job.payload.get("segment_references") or [])


REFERENCE = register(Pipeline("reference", (measure, analyse, estimation.fit_step), finish))
