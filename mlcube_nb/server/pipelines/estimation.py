"""Label-free performance estimation in the data plane: fit on a reference, estimate each production batch.

The executor half, following :mod:`mlcube_nb.server.pipelines.hooks`:

- the reference job's step :func:`fit_step` fits the model's estimator once on its reference (CBPE for
  classifiers with probabilities, DLE for regression) and stores it as a pickled artefact in storage under
  a fresh name; ``services/monitoring/estimation_results.store_fitted`` records where it is, or why the model cannot
  be estimated;
- at claim time ``services/monitoring/estimation_results.batch_context`` tells a production or target job each
  model's artefact, and for a target job which of the production batches it labels hold an estimate;
- the ingest job's :func:`estimate` estimates the batch's metrics (and counts the realised ones
  of rows that came with targets) — also of earlier batches whose predictions this upload attaches —, or
  for a target upload counts the realised metrics of the newly labelled rows per production batch;
  ``services/monitoring/estimation_results.store_batch_estimates`` writes them.
"""

from __future__ import annotations

import os
import pickle
import secrets
import tempfile
from typing import TYPE_CHECKING, Any

from mlcube_nb.monitoring.estimation_common import EstimationUnsupported
from mlcube_nb.monitoring.plan import plan_for
from mlcube_nb.server.pipelines.base import DataView, release_memory, view_of
from mlcube_nb.server.pipelines.estimation_frames import (
    classes_of,
    counts_for,
    estimate_for,
    fit_for,
    method_of,
    rows_of,
)
from mlcube_nb.server.pipelines.payloads import BatchKind

if TYPE_CHECKING:

    from mlcube_nb.server.storage import Storage


def _model(context: dict[str, Any], model_id: str) -> dict[str, Any] | None:
    return next((m for m in context.get("models", []) if m["id"] == model_id), None)


def _save(storage: Storage, rel: str, artefact: dict[str, Any]) -> None:
    """Pickle *artefact* to *rel* atomically (local temp file, then an atomic put)."""
    handle, local = tempfile.mkstemp(suffix=".pkl")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(artefact, out, protocol=pickle.HIGHEST_PROTOCOL)
        storage.put_file(rel, local, move=True)
    finally:
        if os.path.exists(local):
            os.unlink(local)


def load_artefact(storage: Storage, rel: str) -> dict[str, Any]:
    """The pickled estimator artefact this platform wrote at *rel* (never a user-supplied file)."""
    with storage.open(rel) as handle:
        return pickle.load(handle)  # noqa: S301 - written by fit_step only, path read from our own table


def fit_step(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Reference-job step: fit and store the model's estimator, or note why there is none."""
    return fit_on(payload["context"], view_of(payload), carried)


def fit_on(context: dict[str, Any], view: DataView, carried: dict[str, Any]) -> dict[str, Any]:
    """Fit the estimator of ``context["model_id"]`` on the reference rows *view* holds (any reference job)."""
    model = _model(context, context.get("model_id", ""))
    if model is None or not view.paths("input"):
        return carried
    plan = plan_for(context["task"], context["schema"], model)
    try:
        method = method_of(plan)
        classes = classes_of(plan, context["schema"]) if method == "cbpe" else ()
        frame = view.joined(model_ids=[model["id"]]).to_pandas()
        estimator = fit_for(plan, method, classes, frame)
    except EstimationUnsupported as refusal:
        return {**carried, "estimation": {"method": "none", "reason": refusal.reason, "message": refusal.message}}
    except ValueError as bad:  # data the estimator cannot use must not fail setting the reference
        return {**carried, "estimation": {"method": "none", "reason": "INVALID_REFERENCE",
                                          "message": f"The reference data cannot be used for estimation: {bad}"}}
    finally:
        release_memory()
    rel = f"estimators/{context['task']['id']}/{model['id']}/{secrets.token_hex(8)}.pkl"
    _save(view.storage, rel, {"method": method, "classes": list(classes), "estimator": estimator})
    return {**carried, "estimation": {"method": method, "artefact_path": rel, "metrics": list(estimator.metrics),
                                      "spread": estimator.spread.to_dict()}}


def _batch_view(data: DataView, batch_ids: set[str], target_batch: str | None = None) -> DataView:
    """The view restricted to some batches' files (plus, for a target upload, its own target files)."""
    files = [f for f in data.spec["files"]
             if (f.get("batch_id") in batch_ids and f["category"] != "target")
             or (f["category"] == "target" and f.get("batch_id") in ({target_batch} if target_batch else batch_ids))]
    return data.narrowed(files)


def _own_view(data: DataView, batch: str, current: str) -> DataView:
    """A production batch's files plus the predictions the current upload attaches to it."""
    files = [f for f in data.spec["files"] if f.get("batch_id") == batch
             or (batch != current and f.get("batch_id") == current and f["category"] == "prediction")]
    return data.narrowed(files)


def _time_range(rows: Any) -> tuple[float | None, float | None]:
    return (float(rows.times.min()), float(rows.times.max())) if rows.times.size else (None, None)


def estimate(payload: dict[str, Any], data: DataView, carried: dict[str, Any]) -> dict[str, Any]:
    """Ingest job: a production batch's estimates, or a target upload's realised counts per batch."""
    kind, context = BatchKind(payload["kind"]), payload.get("context") or {}
    models = (context.get("estimation") or {}).get("models") or {}
    if not kind.monitored or not models:
        return carried
    batch_id = context["batch_id"]
    out: dict[str, Any] = {}
    for model_id, info in models.items():
        model = _model(context, model_id)
        if model is None:
            continue
        artefact = load_artefact(data.storage, info["artefact_path"])
        plan = plan_for(context["task"], context["schema"], model)
        classes, estimator = tuple(artefact["classes"]), artefact["estimator"]
        if kind is BatchKind.PRODUCTION:
            estimated = {}
            # this batch, and earlier batches of the task that get this model's predictions only now
            attaches = any(f["category"] == "prediction" and f.get("model_id") == model_id
                           and f.get("batch_id") == batch_id for f in data.spec["files"])
            earlier = [b for b in context.get("attached_batches") or []
                       if attaches and b != batch_id and b not in (info.get("batches") or [])]
            for target in [batch_id, *earlier]:
                view = _own_view(data, target, batch_id)
                if not view.paths("input"):  # an upload of predictions / targets / metadata only
                    continue
                rows = rows_of(plan, artefact["method"], classes, view.joined(model_ids=[model_id]).to_pandas())
                estimates = estimate_for(estimator, rows)
                if estimates:
                    estimated[target] = {
                        "n_samples": int(rows.predicted.size), "time_range": _time_range(rows),
                        "values": {m: [e.value, e.lower, e.upper] for m, e in estimates.items()},
                        "counts": counts_for(estimator, rows), "method": artefact["method"]}
            if estimated:
                out[model_id] = {"estimates": estimated}
        else:
            realized = {}
            for labelled_batch in info.get("batches") or []:
                view = _batch_view(data, {labelled_batch}, batch_id)
                if not view.paths("input"):
                    continue
                frame = view.joined(model_ids=[model_id]).to_pandas()
                counts = counts_for(estimator, rows_of(plan, artefact["method"], classes, frame, labelled_only=True))
                if counts:
                    realized[labelled_batch] = counts
            if realized:
                out[model_id] = {"realized": realized}
    return {**carried, "estimation": out}
