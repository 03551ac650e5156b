"""Write monitoring results: reset on a new reference; per batch, statistics, statuses, events and outbox rows.

Everything a batch produces is written by :func:`record_outcomes` inside the caller's transaction, so
statistics, statuses, detection events and the deliveries of matching rules land together or not at
all (PLATFORM.md §8.1, §9.4; ARCHITECTURE.md data flow steps 4–5).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mlcube_nb.monitoring import StatusMachine
from mlcube_nb.monitoring.reference_state import CARRIED_KEYS
from mlcube_nb.monitoring.results import Level
from mlcube_nb.monitoring.status import StatusEvent
from mlcube_nb.server.db.base import new_id, utcnow
from mlcube_nb.server.db.tables import DetectionEventRuleRow, KpiRow, ModelRow, TaskRow
from mlcube_nb.server.db.tables.monitoring import (
    BatchStatisticRow,
    DeliveryRow,
    DetectionEventRow,
    KpiStateRow,
    QuantityStatusRow,
    ReferenceStateRow,
)
from mlcube_nb.server.jobs.signals import DELIVERIES, mark_added
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.services.integrations.rule_matching import rule_matches
from mlcube_nb.server.services.monitoring import summaries


def store_reference(session: Session, task: TaskRow, model: ModelRow, state: dict[str, Any],
                    notes: Iterable[str] = (), quantities: Iterable[dict[str, Any]] = ()) -> None:
    """Keep a model's new reference summary and put every quantity of the model back to OK (no event).

    *quantities* (``key``, ``target``, ``metric``, ``evaluation_metric``) are the ones the reference can
    be tested on: each gets an OK status now, so a task shows what it monitors before production data.
    """
    row = session.get(ReferenceStateRow, model.id)
    if row is None:
        session.add(ReferenceStateRow(model_id=model.id, task_id=task.id, state=state, plan_notes=list(notes),
                                      version=new_id(), carried=None))
    else:
        row.state, row.plan_notes, row.set_at = state, list(notes), utcnow()
        row.version, row.carried = new_id(), None
    now = utcnow()
    for status in session.scalars(select(QuantityStatusRow).where(QuantityStatusRow.model_id == model.id)):
        machine = StatusMachine()
        if status.status != "ok":
            status.last_changed_at = now
        status.status, status.machine, status.updated_at = "ok", machine.to_dict(), now
    session.flush()
    for quantity in quantities:
        _status_row(session, task, model, quantity)


def reference_state(session: Session, model_id: str) -> dict[str, Any] | None:
    """A model's reference state as a batch analysis starts from it, or None when no reference was set.

    The fixed summary comes from this server's memory when it holds that version (``summaries``); the
    parts batches advance are the stored ``carried`` ones, else fresh copies of the summary's.
    """
    row = session.execute(select(ReferenceStateRow.version, ReferenceStateRow.carried)
                          .where(ReferenceStateRow.model_id == model_id)).one_or_none()
    if row is None:
        return None
    fixed = summaries.summary(model_id, row.version, lambda: session.scalars(
        select(ReferenceStateRow.state).where(ReferenceStateRow.model_id == model_id)).one())
    state = dict(fixed)
    state.update({key: copy.deepcopy(fixed[key]) for key in CARRIED_KEYS if key in fixed})
    state.update(row.carried or {})
    return state


def save_carried_state(session: Session, model_id: str, carried: dict[str, Any]) -> None:
    """Persist what a batch advanced (sequential detectors carry state across batches); the summary stays."""
    session.execute(update(ReferenceStateRow).where(ReferenceStateRow.model_id == model_id)
                    .values(carried={key: carried[key] for key in CARRIED_KEYS if key in carried}))


def _status_row(session: Session, task: TaskRow, model: ModelRow, outcome: dict[str, Any]) -> QuantityStatusRow:
    row = session.scalars(select(QuantityStatusRow).where(
        QuantityStatusRow.task_id == task.id, QuantityStatusRow.model_id == model.id,
        QuantityStatusRow.key == outcome["key"])).one_or_none()
    if row is None:
        row = QuantityStatusRow(
            task_id=task.id, model_id=model.id, key=outcome["key"], monitoring_target=outcome["target"],
            monitoring_metric=outcome["metric"], evaluation_metric=outcome["evaluation_metric"],
            status="ok", machine=StatusMachine().to_dict(), last_changed_at=utcnow(), updated_at=utcnow(),
        )
        session.add(row)
    return row


def record_outcomes(session: Session, task: TaskRow, model: ModelRow, batch_id: str | None,
                    outcomes: list[dict[str, Any]]) -> list[DetectionEventRow]:
    """Write one batch's outcomes; return the detection events raised (already queued for delivery)."""
    events: list[DetectionEventRow] = []
    now = utcnow()
    for outcome in outcomes:
        status = _status_row(session, task, model, outcome)
        machine, raised = advance(status, outcome["level"], outcome["magnitude"], now)
        session.add(BatchStatisticRow(
            task_id=task.id, model_id=model.id, batch_id=batch_id, key=outcome["key"],
            monitoring_target=outcome["target"], monitoring_metric=outcome["metric"],
            evaluation_metric=outcome["evaluation_metric"], decision=outcome["level"], status=machine.status,
            statistic=outcome["statistic"], p_value=outcome["p_value"], magnitude=outcome["magnitude"],
            warning_level=outcome["warning_level"], drift_level=outcome["drift_level"], test=outcome["test"],
            n_rows=outcome["n_rows"], sample_timestamp=outcome.get("sample_timestamp"),
            features=outcome.get("features") or [], calibration=outcome.get("calibration"), created_at=now,
        ))
        for raised_event in raised:
            event = DetectionEventRow(
                task_id=task.id, model_id=model.id, model_name=model.name, model_version=model.version,
                event_type=raised_event.event_type, monitoring_target=outcome["target"],
                monitoring_metric=outcome["metric"], evaluation_metric=outcome["evaluation_metric"],
                severity=raised_event.severity, magnitude=raised_event.magnitude,
                sample_timestamp=outcome.get("sample_timestamp") or 0.0,
                sample_customer_id=outcome.get("sample_id") or "", batch_id=batch_id, created_at=now,
            )
            events.append(event)
    return record_events(session, task, model, events)


def advance(status: Any, level: Level, magnitude: float,
            now: datetime) -> tuple[StatusMachine, tuple[StatusEvent, ...]]:
    """Feed one decision to a status row's machine (quantity or estimated metric); returns it and its events."""
    machine = StatusMachine.from_dict(status.machine) if status.machine else StatusMachine()
    raised = machine.update(level, magnitude)
    status.machine, status.updated_at = machine.to_dict(), now
    if machine.status != status.status:
        status.status, status.last_changed_at = machine.status, now
    return machine, raised


def record_events(session: Session, task: TaskRow, model: ModelRow | None,
                  events: list[DetectionEventRow]) -> list[DetectionEventRow]:
    """Store detection events and queue their rules' deliveries, in the caller's transaction."""
    session.add_all(events)
    session.flush()
    for event in events:
        enqueue_deliveries(session, task, model, event)
    return events


def _notice(task: TaskRow, model: ModelRow | None, event: DetectionEventRow) -> dict[str, Any]:
    """What every action payload names (PLATFORM.md §5.13 fields plus names a human reads)."""
    return {
        "event_id": event.id, "task_id": task.id, "task_name": task.name, "project_id": task.project_id,
        "model_id": model.id if model else None, "model_name": event.model_name,
        "model_version": event.model_version, "event_type": event.event_type,
        "monitoring_target": event.monitoring_target, "monitoring_metric": event.monitoring_metric,
        "monitoring_evaluation_metric": event.evaluation_metric, "severity": event.severity,
        "magnitude": event.magnitude, "sample_timestamp": event.sample_timestamp,
        "sample_customer_id": event.sample_customer_id,
        "time": (event.created_at or datetime.now(timezone.utc)).isoformat(), "test": False,
    }


def enqueue_deliveries(session: Session, task: TaskRow, model: ModelRow | None, event: DetectionEventRow) -> int:
    """Queue, in the event's transaction, one delivery per action of every matching rule, in order."""
    rules = session.scalars(select(DetectionEventRuleRow).where(DetectionEventRuleRow.task_id == task.id)
                            .order_by(DetectionEventRuleRow.created_at, DetectionEventRuleRow.id)).all()
    notice = _notice(task, model, event)
    queued = 0
    for rule in rules:
        if not rule_matches(rule, event):
            continue
        for index, action in enumerate(rule.actions or []):
            session.add(DeliveryRow(
                task_id=task.id, event_id=event.id, rule_id=rule.id, rule_name=rule.name, action_index=index,
                action_type=str(action.get("type")), action=dict(action), notice=notice,
                status="pending", next_attempt_at=utcnow(),
            ))
            queued += 1
    if queued:
        mark_added(session, DELIVERIES)  # the outbox of this process starts on them at commit
    return queued



def _task_and_model(session: Session, model_id: str) -> tuple[TaskRow, ModelRow] | None:
    model = session.get(ModelRow, model_id)
    task = session.get(TaskRow, model.task_id) if model is not None else None
    return None if task is None or model is None else (task, model)


def record_reference(session: Session, model_id: str, state: dict[str, Any], notes: Iterable[str] = (),
                     quantities: Iterable[dict[str, Any]] = ()) -> None:
    """Store a reference summary computed by the reference job (nothing when the model is gone)."""
    found = _task_and_model(session, model_id)
    if found is not None:
        store_reference(session, *found, state, notes, quantities)


def record_batch(session: Session, model_id: str, batch_id: str | None, outcomes: list[dict[str, Any]],
                 carried: dict[str, Any]) -> list[DetectionEventRow]:
    """Write one model's outcomes of a batch and the detector state the batch advanced."""
    found = _task_and_model(session, model_id)
    if found is None:
        return []
    events = record_outcomes(session, *found, batch_id, outcomes)
    save_carried_state(session, model_id, carried)
    return events


def kpi_state(session: Session, kpi_id: str) -> dict[str, Any]:
    """A KPI's monitoring state as :func:`~mlcube_nb.monitoring.kpi.update_kpi` takes it."""
    row = session.get(KpiStateRow, kpi_id)
    if row is None:
        return {}
    return {"reference_values": list(row.reference_values or []), "reference": row.reference}


def record_kpi(session: Session, kpi_id: str, state: dict[str, Any], outcome: dict[str, Any] | None,
               batch_id: str | None = None) -> None:
    """Keep a KPI's new state and, once it has a reference, move its status with the batch's decision."""
    kpi = session.get(KpiRow, kpi_id)
    if kpi is None:
        return
    row = session.get(KpiStateRow, kpi_id)
    if row is None:
        row = KpiStateRow(kpi_id=kpi_id, machine=StatusMachine().to_dict())
        session.add(row)
    row.reference_values, row.reference, row.updated_at = state.get("reference_values") or [], state.get(
        "reference"), utcnow()
    if outcome is None:
        return
    machine = StatusMachine.from_dict(row.machine) if row.machine else StatusMachine()
    if outcome.get("initialised"):
        machine = StatusMachine()
    else:
        machine.update(outcome["level"], outcome["magnitude"])
    row.machine = machine.to_dict()
    if kpi.status != machine.status:
        kpi.status, kpi.status_insert_datetime = machine.status, utcnow()
        kpi.status_kpi_start_timestamp = outcome.get("start_timestamp")


# --- what batch and reference jobs read when claimed and write when they finish ---------------------------


def batch_context(session: Session, kind: BatchKind, context: dict[str, Any]) -> dict[str, Any] | None:
    """The monitoring states a batch job's analysis starts from (per model, or the KPI's); None for other kinds.

    Read when the job is claimed: jobs of one task run in order, so this is what the previous job left.
    """
    if kind is BatchKind.KPI and context.get("kpi"):
        return {"kpi": kpi_state(session, context["kpi"]["id"])}
    if kind.monitored:
        states = {m["id"]: reference_state(session, m["id"]) for m in context.get("models", [])}
        return {"models": {k: v for k, v in states.items() if v is not None}}
    return None


def store_batch_analysis(session: Session, context: dict[str, Any], result: dict[str, Any] | None) -> None:
    """Write a batch job's analysis (statistics, statuses, events, deliveries) in its completion transaction."""
    if not result:
        return
    if "kpi" in result:
        record_kpi(session, context["kpi"]["id"], result["kpi"]["state"], result["kpi"]["outcome"],
                   batch_id=context.get("batch_id"))
        return
    for model_id, outcome in result.get("models", {}).items():
        # "state": a whole state, from a worker of the version before CARRIED_KEYS (its keys are a superset)
        record_batch(session, model_id, context.get("batch_id"), outcome["outcomes"],
                     outcome["carried"] if "carried" in outcome else outcome["state"])


def store_reference_analysis(session: Session, context: dict[str, Any], result: dict[str, Any] | None) -> None:
    """Write a reference job's monitoring summary (and reset the model's statuses) in its completion transaction."""
    if result:
        record_reference(session, context["model_id"], result["state"], result.get("notes", ()),
                         result.get("quantities", ()))
