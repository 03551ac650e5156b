"""Topic-modeling pipeline: find the topics of a task's texts in a time range and store each sample's topic.

One step on the executor reads the text columns of the samples in the range (sorted by time, then id),
runs :func:`mlcube_nb.topics.fit_topics` (seeded, so a rerun after a crash gives the same result) and
writes ``sample_id, timestamp, topic`` as Parquet at the path the request chose (atomic, overwritten by a
rerun). ``finish`` records the summary (topics with words, weights and shares, the model-selection
trace) on the report row and marks it completed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from mlcube_nb.server.pipelines.base import view_of
from mlcube_nb.topics import TopicSettings, fit_topics

if TYPE_CHECKING:

    pass

SEED = 0


def _texts(frame: Any, columns: list[str]) -> list[str | None]:
    """One text per sample: its text columns joined by a new line (missing values skipped)."""
    parts = [frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in columns]
    rows = zip(*parts, strict=True) if parts else ([] for _ in range(len(frame)))
    return ["\n".join(v for v in values if isinstance(v, str) and v) or None for values in rows]


def model_topics(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 1: fit the topics of the samples in the range and store the topic of each sample."""
    view = view_of(payload)
    columns: list[str] = payload["text_columns"]
    frame = view.frame("input", columns=[view.time_column, *columns])
    frame = frame.sort_values([view.time_column, view.id_column], kind="stable").reset_index(drop=True)
    model = fit_topics(_texts(frame, columns), payload.get("language"), TopicSettings(seed=SEED))
    result = pa.table({"sample_id": pa.array([str(v) for v in frame[view.id_column]], pa.string()),
                       "timestamp": pa.array(frame[view.time_column].astype(float), pa.float64()),
                       "topic": pa.array(model.labels, pa.string())})
    view.storage.write_table(payload["result_path"], result)
    summary = model.summary() | {"text_columns": columns, "language": payload.get("language"), "seed": SEED}
    return {**carried, "summary": summary, "result_path": payload["result_path"]}


STEPS = (model_topics,)
"""The report job's steps; ``services/reports/lifecycle.finish_job`` completes the report."""
