"""RAG-evaluation pipeline: evaluate a task's samples in a time range and store the per-sample results.

The request (``services/rag_evaluation.py``) created the report row and resolved the columns: the
user-input and retrieved-context columns of the schema and, per model of the task (newest first),
its response column. The step reads the samples in the range (inputs joined with the models'
predictions; a sample's response is that of the newest model that has one), computes every metric
offline (:mod:`mlcube_nb.rag_evaluation`), and writes the results as Parquet at the report's
``result_path`` (atomic, same path on a re-run). ``finish`` records the summary on the report row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from mlcube_nb.enums import JobStatus
from mlcube_nb.rag_evaluation import RagSample, evaluate_samples, results_frame, summary
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.tables import ReportRow
from mlcube_nb.server.pipelines.base import Pipeline, register
from mlcube_nb.server.pipelines.ingest import view_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mlcube_nb.server.db.tables import JobRow


def _texts(frame: pd.DataFrame, column: str | None) -> list[str | None]:
    if column is None or column not in frame.columns:
        return [None] * len(frame)
    return [value if isinstance(value, str) else None for value in frame[column].tolist()]


def _responses(frame: pd.DataFrame, responses: list[list[str]]) -> list[str | None]:
    """Each sample's response: the first (newest) model's prediction that is present."""
    out: list[str | None] = [None] * len(frame)
    for _, column in responses:
        for i, value in enumerate(_texts(frame, column)):
            if out[i] is None and value is not None and value.strip():
                out[i] = value
    return out


def evaluate(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 1: read the samples in the range, compute the metrics, store the per-sample results."""
    view = view_of(payload)
    model_ids = [model_id for model_id, _ in payload["responses"]]
    frame = view.joined(model_ids, with_target=False).to_pandas()
    frame = frame.sort_values([view.time_column, view.id_column], kind="stable").reset_index(drop=True)
    samples = [RagSample(u, c, r) for u, c, r in zip(_texts(frame, payload["user_input_column"]),
                                                     _texts(frame, payload["context_column"]),
                                                     _responses(frame, payload["responses"]), strict=True)]
    evaluations = evaluate_samples(samples, text_language=payload.get("text_language"),
                                   separator=payload.get("separator"), default_answer=payload.get("default_answer"))
    results = results_frame(frame[view.id_column].tolist(), frame[view.time_column].astype(float).tolist(),
                            samples, evaluations)
    view.storage.write_table(payload["result_path"], pa.Table.from_pandas(results, preserve_index=False))
    return {**carried, "summary": summary(results)}


def finish(session: Session, job: JobRow, carried: dict[str, Any]) -> None:
    """Mark the report completed with its summary and results file."""
    row = session.get(ReportRow, job.payload["report_id"])
    if row is None:
        return
    row.status, row.summary = JobStatus.COMPLETED.value, carried["summary"]
    row.result_path, row.error, row.finished_at = job.payload["result_path"], None, utcnow()


RAG_EVALUATION = register(Pipeline("rag_evaluation", (evaluate,), finish))
