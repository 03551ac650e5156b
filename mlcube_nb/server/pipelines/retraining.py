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

from mlcube_nb.retraining import ReportSpec, compute_report
from mlcube_nb.server.pipelines import estimation, hooks
from mlcube_nb.server.pipelines.base import DataView, view_of
from mlcube_nb.server.pipelines.payloads import BatchKind

if TYPE_CHECKING:

    pass

SAMPLE_ID = "sample_id"
"""Column of the samples Parquet holding the sample id (as text, as the wire carries it)."""


# --- retraining_report --------------------------------------------------------------------------------


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
    production = (origins["kind"] == BatchKind.PRODUCTION.value).to_numpy()
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


REPORT_STEPS = (weigh_and_forecast,)
"""Steps of ``retraining_report``; ``services/reports/retraining.py`` prepares the job and records its report."""


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


REFERENCE_STEPS = (measure_reference, analyse_reference, estimate_reference)
"""Steps of ``retraining_reference``; ``services/reports/retraining_suggestions.py`` records the new reference."""
