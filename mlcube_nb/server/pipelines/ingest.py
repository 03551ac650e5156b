"""Ingest pipeline: runs after a batch was validated and stored (historical, production, target, KPI).

The request already did the irreversible part (the Parquet files and their rows); the job computes
per-column statistics of the stored files, hands the batch to the monitoring hooks and the label-free
estimators, and marks the batch ingested. Re-running it after a crash recomputes the same values: idempotent.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mlcube_nb.monitoring._columns import column_threads, map_columns
from mlcube_nb.server.pipelines import estimation, hooks
from mlcube_nb.server.pipelines.base import DataView, release_memory, view_of
from mlcube_nb.server.pipelines.payloads import BatchKind

MAX_STAT_COLUMNS = 200
TOP_VALUES = 5


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _min_max_mean(column: pa.ChunkedArray) -> tuple[Any, Any, Any]:
    """Arrow's ``min_max`` and ``mean`` (NaN skipped by min and max, not by the mean), on the column's own
    buffers with numpy when it has no nulls: ten times faster on a million rows."""
    if column.null_count or not len(column) or pa.types.is_float16(column.type):
        bounds = pc.min_max(column)
        return bounds["min"].as_py(), bounds["max"].as_py(), pc.mean(column).as_py()
    values = column.to_numpy()
    return np.fmin.reduce(values), np.fmax.reduce(values), values.mean(dtype=np.float64)


def column_stats(column: pa.ChunkedArray) -> dict[str, Any]:
    """Count, nulls and a small summary of one column: range and mean, or the most frequent values."""
    kind = column.type
    stats: dict[str, Any] = {"type": str(kind), "nulls": column.null_count}
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        low, high, mean = _min_max_mean(column)
        stats.update(min=_number(low), max=_number(high), mean=_number(mean))
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_boolean(kind):
        counts = pc.value_counts(column.drop_null()) if len(column) else pa.array([], pa.struct([]))
        if len(counts):
            top = counts.take(pc.select_k_unstable(counts.field("counts"), k=min(TOP_VALUES, len(counts)),
                                                   sort_keys=[("", "descending")]))
            stats["distinct"] = len(counts)
            stats["top"] = [[str(v), int(c)] for v, c in zip(top.field("values").to_pylist(),
                                                               top.field("counts").to_pylist(), strict=True)]
    return stats


def _table_stats(view: DataView, category: str, model_id: str | None) -> dict[str, Any]:
    """Row count and per-column statistics of one category's stored files."""
    table = view.table(category, model_id)
    columns = [c for c in table.column_names if c not in (view.id_column,)][:MAX_STAT_COLUMNS]
    return {"rows": table.num_rows,
            "columns": map_columns(lambda c: column_stats(table[c]), columns, column_threads(table.num_rows))}


def batch_stats(view: DataView) -> dict[str, Any]:
    """Statistics of every stored table of the batch, keyed ``category`` or ``category@model``."""
    return {category if model_id is None else f"{category}@{model_id}": _table_stats(view, category, model_id)
            for category, model_id in view.categories() if view.paths(category, model_id)}


def ingest_batch(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """The ingest job's step: the batch's statistics, its monitoring analysis and its label-free estimates.

    One step over one view, so each stored file is read once (a download each from an object store) and
    the job's payload, which carries the reference summaries, travels to the executor once.
    """
    view = view_of(payload)
    out = {**carried, "stats": batch_stats(view),
           "analysis": hooks.analyse_batch(BatchKind(payload["kind"]), payload["context"], view)}
    out = estimation.estimate(payload, view, out)
    del view  # its tables
    release_memory()
    return out


STEPS = (ingest_batch,)
"""The ingest job's steps; its claim-time ``prepare`` and ``finish`` are ``services/ingest/batch_jobs.py``."""
