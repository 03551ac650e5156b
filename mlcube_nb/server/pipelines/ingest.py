"""Ingest pipeline: runs after a batch was validated and stored (historical, production, target, KPI).

The request already did the irreversible part (the Parquet files and their rows); the job computes
per-column statistics of the stored files, hands the batch to the monitoring hooks, and marks the
batch ingested. Re-running it after a crash recomputes the same values: idempotent.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from mlcube_nb.server.pipelines import estimation, hooks
from mlcube_nb.server.pipelines.base import DataView, release_memory, view_of
from mlcube_nb.server.pipelines.payloads import BatchKind

if TYPE_CHECKING:

    pass

MAX_STAT_COLUMNS = 200
TOP_VALUES = 5


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def column_stats(column: pa.ChunkedArray) -> dict[str, Any]:
    """Count, nulls and a small summary of one column: range and mean, or the most frequent values."""
    kind = column.type
    stats: dict[str, Any] = {"type": str(kind), "nulls": column.null_count}
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        bounds = pc.min_max(column)
        stats.update(min=_number(bounds["min"].as_py()), max=_number(bounds["max"].as_py()),
                     mean=_number(pc.mean(column).as_py()))
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_boolean(kind):
        counts = pc.value_counts(column.drop_null()) if len(column) else pa.array([], pa.struct([]))
        if len(counts):
            top = counts.take(pc.select_k_unstable(counts.field("counts"), k=min(TOP_VALUES, len(counts)),
                                                   sort_keys=[("", "descending")]))
            stats["distinct"] = len(counts)
            stats["top"] = [[str(v), int(c)] for v, c in zip(top.field("values").to_pylist(),
                                                               top.field("counts").to_pylist(), strict=True)]
    return stats


def _table_stats(view: DataView, paths: list[str]) -> dict[str, Any]:
    """Row count and per-column statistics of some stored files (the table is freed on return)."""
    table = view.storage.read(paths)
    columns = [c for c in table.column_names if c not in (view.id_column,)][:MAX_STAT_COLUMNS]
    return {"rows": table.num_rows, "columns": {c: column_stats(table[c]) for c in columns}}


def summarise(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 1: statistics of every stored table of the batch."""
    view = view_of(payload)
    summary: dict[str, Any] = {}
    for category, model_id in view.categories():
        paths = view.paths(category, model_id)
        if not paths:
            continue
        key = category if model_id is None else f"{category}@{model_id}"
        summary[key] = _table_stats(view, paths)
    release_memory()
    return {**carried, "stats": summary}


def analyse(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 2: the monitoring hook for this kind of batch."""
    result = hooks.analyse_batch(BatchKind(payload["kind"]), payload["context"], view_of(payload))
    release_memory()
    return {**carried, "analysis": result}


STEPS = (summarise, analyse, estimation.estimate_step)
"""The ingest job's steps; its claim-time ``prepare`` and ``finish`` are ``services/ingest/batch_jobs.py``."""
