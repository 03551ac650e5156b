"""The per-sample results table of a RAG evaluation, its summary, and the exported workbook.

The table has one row per sample: ``sample_id``, ``timestamp``, ``user_input``, ``response``, then
``<metric>`` and ``<metric>_explanation`` for each metric (attribution as text, e.g. ``"1, 3"``).
The workbook has a ``samples`` sheet (that table) and a ``summary`` sheet (mean, min, max per metric;
for attribution, the number of attributed chunks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from mlcube_nb.rag_evaluation.evaluate import METRICS, RagSample
from mlcube_nb.rag_evaluation.metrics import MetricResult
from mlcube_nb.rag_evaluation.xlsx import write_xlsx

SAMPLE_COLUMNS = ("sample_id", "timestamp", "user_input", "response")
SUMMARY_HEADER = ("metric", "mean", "min", "max", "samples")


def result_columns() -> list[str]:
    """The columns of the per-sample results, in order."""
    return [*SAMPLE_COLUMNS, *(name for metric in METRICS for name in (metric, f"{metric}_explanation"))]


def attribution_text(chunks: Sequence[int]) -> str:
    """Attributed chunk indices as text (empty when none)."""
    return ", ".join(str(i) for i in chunks)


def results_frame(sample_ids: Sequence[Any], timestamps: Sequence[float], samples: Sequence[RagSample],
                  evaluations: Sequence[dict[str, MetricResult]]) -> pd.DataFrame:
    """One row per sample with its texts and every metric's value and explanation."""
    rows = []
    for sample_id, timestamp, sample, results in zip(sample_ids, timestamps, samples, evaluations, strict=True):
        row: dict[str, Any] = {"sample_id": str(sample_id), "timestamp": float(timestamp),
                               "user_input": sample.user_input, "response": sample.response}
        for metric in METRICS:
            value = results[metric].value
            row[metric] = attribution_text(value) if isinstance(value, list) else float(value)
            row[f"{metric}_explanation"] = results[metric].explanation
        rows.append(row)
    frame = pd.DataFrame(rows, columns=result_columns())
    return frame.astype({c: "string" for c in ("sample_id", "user_input", "response", "attribution",
                                               *(f"{m}_explanation" for m in METRICS))})


def _numeric(frame: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "attribution":
        text = frame[metric].fillna("").astype(str)
        return text.map(lambda t: len([p for p in t.split(",") if p.strip()])).astype(float)
    return frame[metric].astype(float)


def summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Sample count and mean/min/max of each metric (attribution: number of attributed chunks)."""
    stats: dict[str, Any] = {}
    for metric in METRICS:
        values = _numeric(frame, metric)
        stats[metric] = {"mean": round(float(values.mean()), 4) if len(values) else None,
                         "min": float(values.min()) if len(values) else None,
                         "max": float(values.max()) if len(values) else None}
    return {"n_samples": int(len(frame)), "metrics": stats}


def _plain(value: Any) -> Any:
    """A cell value: pandas' missing markers become empty cells."""
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


def workbook(frame: pd.DataFrame) -> bytes:
    """The ``.xlsx`` bytes of a report: sheet ``samples`` (one row per sample) and sheet ``summary``."""
    columns = result_columns()
    sample_rows: list[list[Any]] = [list(columns)]
    for record in frame[columns].itertuples(index=False, name=None):
        sample_rows.append([_plain(v) for v in record])
    stats = summary(frame)
    summary_rows: list[list[Any]] = [list(SUMMARY_HEADER)]
    for metric in METRICS:
        label = "attribution (chunks used)" if metric == "attribution" else metric
        item = stats["metrics"][metric]
        summary_rows.append([label, item["mean"], item["min"], item["max"], stats["n_samples"]])
    return write_xlsx([("samples", sample_rows), ("summary", summary_rows)])
