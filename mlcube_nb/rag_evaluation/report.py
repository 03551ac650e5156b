"""The per-sample results table of a RAG evaluation, its summary, and the exported workbook.

The table has one row per sample: ``sample_id``, ``timestamp``, ``user_input``, ``response``, then
``<metric>`` and ``<metric>_explanation`` for each metric (attribution as text, e.g. ``"1, 3"``), then
``judge_failure`` ("judge failed: reason" when the judge could not score the sample; its metrics are
empty) and ``judge_tokens`` (tokens the LLM judge's server reported for the sample).
The workbook has a ``samples`` sheet (that table), a ``summary`` sheet (mean, min, max per metric over
the judged samples; for attribution, the number of attributed chunks) and a ``judge`` sheet: which
judge made the report, what it can and cannot see, failures and tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from mlcube_nb.rag_evaluation.evaluate import METRICS, RagSample
from mlcube_nb.rag_evaluation.judge import OFFLINE_INFO, Judgement
from mlcube_nb.rag_evaluation.metrics import MetricResult
from mlcube_nb.rag_evaluation.xlsx import write_xlsx

SAMPLE_COLUMNS = ("sample_id", "timestamp", "user_input", "response")
JUDGE_COLUMNS = ("judge_failure", "judge_tokens")
SUMMARY_HEADER = ("metric", "mean", "min", "max", "samples")
_TEXT_COLUMNS = ("sample_id", "user_input", "response", "attribution", *(f"{m}_explanation" for m in METRICS),
                 "judge_failure")


def result_columns() -> list[str]:
    """The columns of the per-sample results, in order."""
    return [*SAMPLE_COLUMNS, *(name for metric in METRICS for name in (metric, f"{metric}_explanation")),
            *JUDGE_COLUMNS]


def attribution_text(chunks: Sequence[int]) -> str:
    """Attributed chunk indices as text (empty when none)."""
    return ", ".join(str(i) for i in chunks)


def _row(sample_id: Any, timestamp: float, sample: RagSample, judgement: Judgement) -> dict[str, Any]:
    row: dict[str, Any] = {"sample_id": str(sample_id), "timestamp": float(timestamp),
                           "user_input": sample.user_input, "response": sample.response}
    for metric in METRICS:
        if judgement.results is None:
            row[metric], row[f"{metric}_explanation"] = None, judgement.failure
            continue
        value = judgement.results[metric].value
        row[metric] = attribution_text(value) if isinstance(value, list) else float(value)
        row[f"{metric}_explanation"] = judgement.results[metric].explanation
    tokens = [t for t in (judgement.prompt_tokens, judgement.completion_tokens) if t is not None]
    row["judge_failure"], row["judge_tokens"] = judgement.failure, float(sum(tokens)) if tokens else None
    return row


def results_frame(sample_ids: Sequence[Any], timestamps: Sequence[float], samples: Sequence[RagSample],
                  judgements: Sequence[Judgement | Mapping[str, MetricResult]]) -> pd.DataFrame:
    """One row per sample with its texts, every metric's value and explanation, and the judge's outcome."""
    rows = [_row(i, t, s, j if isinstance(j, Judgement) else Judgement(j))
            for i, t, s, j in zip(sample_ids, timestamps, samples, judgements, strict=True)]
    frame = pd.DataFrame(rows, columns=result_columns())
    numeric = [m for m in METRICS if m != "attribution"] + ["judge_tokens"]
    return frame.astype({c: "string" for c in _TEXT_COLUMNS} | {c: "float64" for c in numeric})


def _numeric(frame: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "attribution":
        text = frame[metric].astype(object)
        return text.map(lambda t: float("nan") if t is None or t is pd.NA else
                        float(len([p for p in str(t).split(",") if p.strip()]))).astype(float)
    return frame[metric].astype(float)


def _stat(value: Any, digits: int | None = None) -> float | None:
    if pd.isna(value):
        return None
    return round(float(value), digits) if digits is not None else float(value)


def summary(frame: pd.DataFrame, judge: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Sample count, judge failures, tokens and mean/min/max of each metric over the judged samples.

    Attribution counts attributed chunks. *judge* (``JudgeInfo.as_dict()``) is kept as the summary's ``judge``.
    """
    stats: dict[str, Any] = {}
    for metric in METRICS:
        values = _numeric(frame, metric)
        stats[metric] = {"mean": _stat(values.mean(), 4), "min": _stat(values.min()), "max": _stat(values.max())}
    failures = frame["judge_failure"].notna() if "judge_failure" in frame else pd.Series(False, index=frame.index)
    tokens = frame["judge_tokens"].dropna() if "judge_tokens" in frame else pd.Series([], dtype=float)
    return {"n_samples": int(len(frame)), "metrics": stats, "judge": dict(judge or OFFLINE_INFO.as_dict()),
            "failed_samples": int(failures.sum()), "judge_tokens": int(tokens.sum()) if len(tokens) else None}


def _plain(value: Any) -> Any:
    """A cell value: pandas' missing markers become empty cells."""
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


def judge_rows(stats: Mapping[str, Any]) -> list[list[Any]]:
    """The ``judge`` sheet: which judge made the report, what it sees, failures and tokens."""
    judge = stats.get("judge") or OFFLINE_INFO.as_dict()
    rows: list[list[Any]] = [["item", "value"], ["judge", judge.get("name")], ["kind", judge.get("kind")]]
    if judge.get("model"):
        rows += [["model", judge["model"]], ["prompt version", judge.get("prompt_version")]]
    rows += [["what it sees", judge.get("sees")], ["what it cannot see", judge.get("cannot_see")],
             ["samples", stats.get("n_samples")], ["samples the judge failed on", stats.get("failed_samples", 0)]]
    if stats.get("judge_tokens") is not None:
        rows.append(["tokens used (as reported by the model server)", stats["judge_tokens"]])
    return rows


def workbook(frame: pd.DataFrame, judge: Mapping[str, Any] | None = None) -> bytes:
    """The ``.xlsx`` bytes of a report: sheets ``samples`` (one row per sample), ``summary`` and ``judge``."""
    columns = [c for c in result_columns() if c in frame.columns]
    sample_rows: list[list[Any]] = [list(columns)]
    for record in frame[columns].itertuples(index=False, name=None):
        sample_rows.append([_plain(v) for v in record])
    stats = summary(frame, judge)
    summary_rows: list[list[Any]] = [list(SUMMARY_HEADER)]
    judged = stats["n_samples"] - stats["failed_samples"]
    for metric in METRICS:
        label = "attribution (chunks used)" if metric == "attribution" else metric
        item = stats["metrics"][metric]
        summary_rows.append([label, item["mean"], item["min"], item["max"], judged])
    return write_xlsx([("samples", sample_rows), ("summary", summary_rows), ("judge", judge_rows(stats))])
