"""Where monitoring plugs into the data plane: the executor half of ingest and reference jobs.

A job's monitoring has three parts; this module is the middle one:

- when the job is claimed, ``services/ingest/batch_jobs.prepare`` reads what the analysis needs (each model's
  reference summary, a KPI's state) into ``context["monitoring"]``; jobs of one task run in order, so the
  state read is the one the previous job left;
- ``analyse_*`` here run on the executor (process pool / Dask worker), after the batch or reference has
  been stored. They get ``context`` (task, schema columns, models, monitoring states — plain JSON) and a
  :class:`~mlcube_nb.server.pipelines.base.DataView` over the stored Parquet, and return a JSON-able
  result (or None). No database access here;
- in the transaction that marks the job completed, ``services/monitoring/results`` writes statistics,
  statuses, detection events and the deliveries they queue (``store_batch_analysis``,
  ``store_reference_analysis``), so a job re-run after a crash writes them exactly once.

A production batch is analysed by ``analyse_batch(BatchKind.PRODUCTION, ...)``; a late target upload the same with
kind ``target`` (only the newly labelled rows are tested); a KPI batch with kind ``kpi``; historical batches
are not monitored. ``set_model_reference`` and ``update_model_version_from_time_range`` run
``analyse_reference``.

``context`` is the job's :class:`~mlcube_nb.server.pipelines.payloads.JobContext` (plain JSON; its keys
are listed there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.compute as pc

from mlcube_nb.enums import DataStructure, MonitoringTarget
from mlcube_nb.monitoring.kpi import update_kpi
from mlcube_nb.monitoring.plan import plan_for
from mlcube_nb.monitoring.reference_state import carried_part
from mlcube_nb.monitoring.task_analysis import (
    analyse_labelled,
    analyse_production,
    build_reference,
    derive,
    testable_quantities,
)
from mlcube_nb.server.pipelines.image_features import add_image_metrics
from mlcube_nb.server.pipelines.payloads import BatchKind

if TYPE_CHECKING:
    from mlcube_nb.server.pipelines.base import DataView



def _model_plans(context: dict[str, Any]) -> list[tuple[dict[str, Any], Any, dict[str, Any]]]:
    """(model, plan, reference state) of every model of the task that has a reference."""
    states = (context.get("monitoring") or {}).get("models") or {}
    out = []
    for model in context.get("models", []):
        state = states.get(model["id"])
        if state is not None:
            out.append((model, plan_for(context["task"], context["schema"], model), state))
    return out


def _frame(plan: Any, data: DataView, table: Any) -> Any:
    """The rows to analyse as pandas, with the image metrics of image tasks (read from the stored archives)."""
    frame = table.to_pandas()
    if plan.data_structure == DataStructure.IMAGE.value:
        frame = add_image_metrics(frame, data)
    return frame


def _new_target_ids(context: dict[str, Any], data: DataView) -> Any:
    """Sample ids labelled by this target batch (the view also holds the batches they complete)."""
    paths = [f["path"] for f in data.spec["files"]
             if f["category"] == "target" and f.get("batch_id") == context["batch_id"]]
    return data.storage.read(paths, [data.id_column])[data.id_column] if paths else None


def analyse_batch(kind: BatchKind, context: dict[str, Any], data: DataView) -> dict[str, Any] | None:
    """Analyse a stored batch (``kind``: historical | production | target | kpi) on the executor."""
    if kind is BatchKind.KPI:
        frame = data.frame("kpi", columns=["value", data.time_column])
        state, outcome = update_kpi((context.get("monitoring") or {}).get("kpi") or {},
                                    frame["value"].to_numpy(dtype=np.float64))
        if outcome is not None and len(frame):
            outcome["start_timestamp"] = float(frame[data.time_column].min())
        return {"kpi": {"state": state, "outcome": outcome}}
    if not kind.monitored:
        return None
    results: dict[str, Any] = {}
    new_ids = _new_target_ids(context, data) if kind is BatchKind.TARGET else None
    for model, plan, state in _model_plans(context):
        table = data.joined(model_ids=[model["id"]])
        if kind is BatchKind.TARGET:
            if new_ids is None:
                continue
            table = table.filter(pc.is_in(table[data.id_column], value_set=new_ids))
            outcomes = analyse_labelled(plan, state, table.to_pandas())
        else:
            outcomes = analyse_production(plan, state, _frame(plan, data, table))
        # only what the batch advanced goes back: the summary itself is fixed (and weighs megabytes)
        results[model["id"]] = {"outcomes": outcomes, "carried": carried_part(state)}
    return {"models": results} if results else None


def analyse_reference(context: dict[str, Any], data: DataView) -> dict[str, Any] | None:
    """Summarise a model's new reference data (restricted to its time intervals) on the executor."""
    model = next((m for m in context.get("models", []) if m["id"] == context["model_id"]), None)
    if model is None or not data.paths("input"):
        return None
    plan = plan_for(context["task"], context["schema"], model)
    frame = _frame(plan, data, data.joined(model_ids=[model["id"]]))
    state = build_reference(plan, frame)
    quantities = [{"key": q.key, "target": q.target, "metric": q.metric, "evaluation_metric": None}
                  for q in testable_quantities(plan, derive(plan, frame))]
    if plan.error_stream and state.get("error"):
        quantities.append({"key": MonitoringTarget.ERROR.value, "target": MonitoringTarget.ERROR.value,
                           "metric": None, "evaluation_metric": None})
    for metric in (state.get("evaluation") or {}).get("values", {}):
        quantities.append({"key": f"evaluation/{metric}", "target": None, "metric": None, "evaluation_metric": metric})
    return {"state": state, "notes": list(plan.notes), "quantities": quantities}
