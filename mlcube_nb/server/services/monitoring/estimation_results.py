"""Write label-free performance estimates: the fitted estimator, per-batch estimates, statuses, events, realised values.

Estimated metrics are monitored quantities of their own: key ``estimated/<metric>``, evaluation metric
``<metric>`` and specification ``estimated``, so a detection event of an estimate is an ordinary
evaluation-metric event (v1 clients parse it; rules on evaluation metrics match it) that says it is an
estimate. Everything here runs inside the job-completion transaction of the caller.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mlcube_nb.monitoring import StatusMachine
from mlcube_nb.monitoring.estimation_common import ReferenceSpread
from mlcube_nb.monitoring.estimation_realized import merge_counts, n_labelled, realized_metrics
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import JobRow, ModelRow, PerformanceEstimateRow, PerformanceEstimatorRow, TaskRow
from mlcube_nb.server.db.tables.monitoring import DetectionEventRow, QuantityStatusRow
from mlcube_nb.server.services.monitoring.results import advance, record_events

SPECIFICATION = "estimated"


def status_key(metric: str) -> str:
    """The quantity key of an estimated metric."""
    return f"{SPECIFICATION}/{metric}"


def _status_row(session: Session, model: ModelRow, metric: str) -> QuantityStatusRow:
    row = session.scalars(select(QuantityStatusRow).where(
        QuantityStatusRow.model_id == model.id, QuantityStatusRow.key == status_key(metric))).one_or_none()
    if row is None:
        row = QuantityStatusRow(task_id=model.task_id, model_id=model.id, key=status_key(metric),
                                monitoring_target=None, monitoring_metric=None, evaluation_metric=metric,
                                specification=SPECIFICATION, status="ok", machine=StatusMachine().to_dict(),
                                last_changed_at=utcnow(), updated_at=utcnow())
        session.add(row)
    return row


def record_estimator(session: Session, model_id: str, result: dict[str, Any], *, job_id: str | None) -> None:
    """Keep a model's new estimator (or its refusal); its estimated metrics start OK, stale ones are dropped."""
    model = session.get(ModelRow, model_id)
    if model is None:
        return
    row = session.get(PerformanceEstimatorRow, model_id) or PerformanceEstimatorRow(model_id=model_id,
                                                                                   task_id=model.task_id)
    row.method, row.artefact_path = result["method"], result.get("artefact_path")
    row.metrics, row.spread = list(result.get("metrics") or []), dict(result.get("spread") or {})
    row.refusal_reason, row.refusal_message = result.get("reason"), result.get("message")
    row.job_id, row.created_at = job_id, utcnow()
    session.add(row)
    keep = {status_key(m) for m in row.metrics}
    session.execute(delete(QuantityStatusRow).where(
        QuantityStatusRow.model_id == model_id, QuantityStatusRow.key.like(f"{SPECIFICATION}/%"),
        QuantityStatusRow.key.not_in(keep) if keep else QuantityStatusRow.key.is_not(None)))
    session.flush()
    for metric in row.metrics:
        status = _status_row(session, model, metric)
        if status.status != "ok":
            status.last_changed_at = utcnow()
        status.status, status.machine, status.updated_at = "ok", StatusMachine().to_dict(), utcnow()


def batch_context(session: Session, model_ids: list[str], attached: list[str]) -> dict[str, Any]:
    """What a production / target job needs: per model with an estimator, its artefact and estimated batches."""
    rows = session.scalars(select(PerformanceEstimatorRow).where(PerformanceEstimatorRow.model_id.in_(model_ids),
                                                                 PerformanceEstimatorRow.artefact_path.is_not(None)))
    models: dict[str, Any] = {}
    for row in rows:
        batches = sorted(set(session.scalars(select(PerformanceEstimateRow.batch_id).where(
            PerformanceEstimateRow.model_id == row.model_id,
            PerformanceEstimateRow.batch_id.in_(attached))))) if attached else []
        models[row.model_id] = {"artefact_path": row.artefact_path, "batches": batches}
    return {"models": models}


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def record_estimates(session: Session, model_id: str, batch_id: str, estimate: dict[str, Any]) -> list[Any]:
    """Write one batch's estimates with their verdicts; move the statuses; raise and route events."""
    model = session.get(ModelRow, model_id)
    estimator = session.get(PerformanceEstimatorRow, model_id)
    task = session.get(TaskRow, model.task_id) if model is not None else None
    if model is None or task is None or estimator is None:
        return []
    spread = ReferenceSpread.from_dict(estimator.spread)
    n_rows = int(estimate["n_samples"])
    start, end = estimate["time_range"]
    events = []
    for metric, (value, lower, upper) in estimate["values"].items():
        decision = spread.decide(metric, value, n_rows)
        status = _status_row(session, model, metric)
        machine, raised = advance(status, decision.level, decision.magnitude, utcnow())
        counts = (estimate.get("counts") or {}).get(metric)
        session.add(PerformanceEstimateRow(
            task_id=task.id, model_id=model.id, batch_id=batch_id, metric_name=metric, method=estimate["method"],
            from_timestamp=start, to_timestamp=end, n_samples=n_rows, estimated_value=value, lower=lower,
            upper=upper, reference_value=_finite(spread.reference.get(metric)),
            warning_level=_finite(decision.warning_level), drift_level=_finite(decision.drift_level),
            decision=decision.level, status=machine.status, realized_counts=counts, n_labelled=n_labelled(counts),
            realized_value=_finite(realized_metrics(counts).get(metric)) if counts else None))
        for event in raised:
            row = DetectionEventRow(
                task_id=task.id, model_id=model.id, model_name=model.name, model_version=model.version,
                event_type=event.event_type, monitoring_target=None, monitoring_metric=None,
                evaluation_metric=metric, specification=SPECIFICATION, severity=event.severity,
                magnitude=event.magnitude, sample_timestamp=end or 0.0, sample_customer_id="", batch_id=batch_id,
                created_at=utcnow())
            events.append(row)
    return record_events(session, task, model, events)


def record_realized(session: Session, model_id: str, batch_id: str, counts: dict[str, dict[str, Any]]) -> None:
    """Add newly labelled rows' counts to a batch's estimates and refresh the realised values."""
    rows = session.scalars(select(PerformanceEstimateRow).where(
        PerformanceEstimateRow.model_id == model_id, PerformanceEstimateRow.batch_id == batch_id))
    for row in rows:
        new = counts.get(row.metric_name)
        if new is None:
            continue
        merged = merge_counts(row.realized_counts, new)
        row.realized_counts, row.n_labelled = merged, n_labelled(merged)
        row.realized_value = _finite(realized_metrics(merged).get(row.metric_name))


def store_fitted(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Reference-job finish: record the fitted estimator (or the refusal) and reset its statuses."""
    result = carried.get("estimation")
    if result is not None:
        record_estimator(session, job.payload["model_id"], result, job_id=job.id)


def store_batch_estimates(session: Session, carried: dict[str, Any]) -> None:
    """Ingest-job finish: write estimates, statuses, events (and realised values) in the job's transaction."""
    for model_id, outcome in (carried.get("estimation") or {}).items():
        for estimated_batch, estimate in (outcome.get("estimates") or {}).items():
            record_estimates(session, model_id, estimated_batch, estimate)
        for labelled_batch, counts in (outcome.get("realized") or {}).items():
            record_realized(session, model_id, labelled_batch, counts)
