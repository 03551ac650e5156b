"""Retraining pipelines: the retraining report of a model, and a new model version from one of its suggestions.

``retraining_report`` (compute_retraining_report): at claim time ``prepare`` reads where the new concept
starts (the first sample of the batch in which the model's latest ``drift_on`` event — of the model, or of
the task's inputs — was raised; else the latest production batch); the step reads every
stored sample (historical and production inputs, metadata and targets), runs
:func:`mlcube_nb.retraining.compute_report` and writes the per-sample weights and counts as Parquet;
``finish`` records the suggestion and completes the report row.

``retraining_reference`` (update_model_version_by_suggestion_id): the request created the new version; the
steps measure and summarise the suggestion's reference samples (the stored samples restricted to the
suggestion's ``in_reference`` ids) like the reference pipeline does for time ranges (monitoring summary and
label-free performance estimator), and ``finish`` records the reference and marks the suggestion executed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from mlcube_nb.retraining import ReportSpec, compute_report
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import BatchRow, DetectionEventRow, ModelRow, ReportRow, SuggestionRow
from mlcube_nb.server.pipelines import estimation, hooks
from mlcube_nb.server.pipelines.base import DataView, Pipeline, register
from mlcube_nb.server.pipelines.ingest import view_of
from mlcube_nb.server.pipelines.reference import record_reference

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mlcube_nb.server.db.tables import JobRow

SAMPLE_ID = "sample_id"
"""Column of the samples Parquet holding the sample id (as text, as the wire carries it)."""


# --- retraining_report --------------------------------------------------------------------------------


def prepare_report(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    """Where the new concept starts, read when the job runs (earlier jobs of the task may have raised events)."""
    event = session.scalars(
        select(DetectionEventRow).where(DetectionEventRow.task_id == payload["task_id"],
                                        DetectionEventRow.event_type == "drift_on",
                                        (DetectionEventRow.model_id == payload["model_id"])
                                        | DetectionEventRow.model_id.is_(None))
        .order_by(DetectionEventRow.created_at.desc(), DetectionEventRow.sample_timestamp.desc())).first()
    batches = {f["batch_id"] for f in payload["view"]["files"] if f.get("kind") == "production"}
    latest = session.scalars(select(BatchRow.id).where(BatchRow.id.in_(batches))
                             .order_by(BatchRow.created_at.desc(), BatchRow.id.desc())).first()
    return {"new_concept": {"since": _drift_start(session, event), "event_id": event.id if event is not None else None,
                            "latest_batch_id": latest}}


def _drift_start(session: Session, event: DetectionEventRow | None) -> float | None:
    """When the drifted data begin: the start of the batch whose analysis raised the event.

    The event's own sample timestamp is where the detector fired (the batch's last sample for the batch-level
    tests, the alarm sample for sequential detectors), which lags the change, so the whole batch counts.
    """
    if event is None:
        return None
    batch = session.get(BatchRow, event.batch_id) if event.batch_id else None
    starts = [t for t in (event.sample_timestamp, batch.time_min if batch is not None else None) if t is not None]
    return min(starts) if starts else None


def _origins(view: DataView) -> pd.DataFrame:
    """Per stored sample (by input file): its id as text, time, kind (historical/production) and batch."""
    pieces = []
    for f in view.spec["files"]:
        if f["category"] != "input" or f.get("format", "parquet") != "parquet":
            continue
        table = view.storage.read([f["path"]], [view.id_column, view.time_column])
        pieces.append(pd.DataFrame({SAMPLE_ID: table[view.id_column].cast(pa.string()).to_pylist(),
                                    "time": table[view.time_column].to_numpy(), "kind": f.get("kind"),
                                    "batch_id": f.get("batch_id")}))
    if not pieces:
        raise ValueError("the task has no stored input samples")
    return pd.concat(pieces, ignore_index=True).drop_duplicates(SAMPLE_ID, keep="last")


def _new_concept(origins: pd.DataFrame, new_concept: dict[str, Any]) -> tuple[np.ndarray, str]:
    """Which samples form the new concept, and how it was chosen (for the report summary)."""
    production = (origins["kind"] == "production").to_numpy()
    since = new_concept.get("since")
    if since is not None:
        mask = production & (origins["time"].to_numpy(dtype=float) >= float(since))
        if mask.any():
            return mask, "drift_event"
    mask = production & (origins["batch_id"] == new_concept.get("latest_batch_id")).to_numpy()
    if not mask.any():
        raise ValueError("no production sample after the last drift: upload production data first")
    return mask, "latest_production_batch"


def weigh_and_forecast(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step: importance weights, suggestion and forecast bounds of every stored sample; writes them as Parquet."""
    view = view_of(payload)
    origins = _origins(view)
    joined = view.joined(with_target=True).to_pandas()
    joined[SAMPLE_ID] = joined[view.id_column].astype("string")
    frame = origins.merge(joined.drop(columns=[view.time_column], errors="ignore"), on=SAMPLE_ID, how="inner")
    is_new, chosen_by = _new_concept(frame, payload["new_concept"])
    result = compute_report(frame, is_new, ReportSpec(**payload["spec"]))
    samples = pa.table({SAMPLE_ID: pa.array(frame[SAMPLE_ID].tolist(), pa.string()),
                        "time": pa.array(frame["time"].to_numpy(dtype=float)),
                        "is_new": pa.array(is_new), "weight": pa.array(result.weights),
                        "count": pa.array(result.counts.astype(np.int64)),
                        "in_reference": pa.array(result.in_reference)})
    view.storage.write_table(payload["result_path"], samples)
    new_times = frame["time"].to_numpy(dtype=float)[is_new]
    summary = result.summary() | {
        "n_new": int(is_new.sum()), "new_concept_from": float(new_times.min()), "new_concept_chosen_by": chosen_by,
        "drift_event_id": payload["new_concept"].get("event_id") if chosen_by == "drift_event" else None,
        "effective_sample_share": result.effective_sample_size / len(frame),
    }
    return {**carried, "summary": summary}


def finish_report(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Record the suggestion of the report and mark the report completed (same transaction as the job)."""
    payload = job.payload
    report = session.get(ReportRow, payload["report_id"])
    if report is None or session.get(ModelRow, payload["model_id"]) is None:
        return  # the model (and so its reports) was deleted meanwhile
    summary = dict(carried["summary"])
    suggestion = session.scalars(select(SuggestionRow).where(SuggestionRow.report_id == report.id)).first()
    if suggestion is None:
        suggestion = SuggestionRow(model_id=payload["model_id"], report_id=report.id)
    suggestion.suggestion_type = payload["spec"]["suggestion_type"]
    suggestion.n_samples = summary["n_samples"]
    suggestion.effective_sample_size = summary["effective_sample_size"]
    suggestion.data_path = payload["result_path"]
    session.add(suggestion)
    session.flush()
    report.summary = summary | {"suggestion_id": suggestion.id,
                                "reference_size": payload.get("reference_size")}
    report.status, report.error, report.finished_at = "completed", None, utcnow()
    report.result_path = payload["result_path"]


RETRAINING_REPORT = register(Pipeline("retraining_report", (weigh_and_forecast,), finish_report, prepare_report))


# --- retraining_reference -----------------------------------------------------------------------------


class SampleView(DataView):
    """A :class:`DataView` restricted to a set of sample ids (the reference samples of a suggestion)."""

    def __init__(self, spec: dict[str, Any], sample_ids: pa.Array) -> None:
        super().__init__(spec)
        self.sample_ids = sample_ids

    def table(self, category: str, model_id: str | None = None, columns: Any = None) -> pa.Table:
        """One category's rows whose id is one of the view's sample ids."""
        table = super().table(category, model_id, columns)
        if not len(table):
            return table
        keep = pc.is_in(table[self.id_column].cast(pa.string()), value_set=self.sample_ids)
        return table.filter(keep)


def _reference_view(payload: dict[str, Any]) -> SampleView:
    """The task's stored samples restricted to the suggestion's reference ids (read from the suggestion file)."""
    base = view_of(payload)
    samples = base.storage.read([payload["suggestion_path"]], [SAMPLE_ID, "in_reference"])
    ids = samples.filter(samples["in_reference"])[SAMPLE_ID].combine_chunks().cast(pa.string())
    return SampleView(base.spec, ids)


def measure_reference(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 1: how many reference samples the suggestion keeps and the time span they cover."""
    view = _reference_view(payload)
    times = view.table("input", columns=[view.time_column])[view.time_column]
    if not len(times):
        raise ValueError("none of the suggestion's samples is stored any more: compute the retraining report again")
    bounds = pc.min_max(times)
    return {**carried, "n_rows": len(times), "time_min": bounds["min"].as_py(), "time_max": bounds["max"].as_py()}


def analyse_reference(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 2: the monitoring hook summarising the new version's reference."""
    return {**carried, "analysis": hooks.analyse_reference(payload["context"], _reference_view(payload))}


def estimate_reference(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 3: the new version's label-free performance estimator, fitted on the suggestion's samples."""
    return estimation.fit_on(payload["context"], _reference_view(payload), carried)


def finish_reference(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Record the new version's reference (the suggestion's samples, no time intervals), mark the suggestion used."""
    if record_reference(session, job, carried, [], []) is None:
        return
    suggestion = session.get(SuggestionRow, job.payload["suggestion_id"])
    if suggestion is not None:
        suggestion.executed = True


RETRAINING_REFERENCE = register(Pipeline("retraining_reference",
                                         (measure_reference, analyse_reference, estimate_reference),
                                         finish_reference))
