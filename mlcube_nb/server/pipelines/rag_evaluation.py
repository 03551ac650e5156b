"""RAG-evaluation pipeline: judge a task's samples in a time range and store the per-sample results.

The request (``services/reports/rag_evaluation.py``) created the report row, resolved the columns (the
user-input and retrieved-context columns of the schema and, per model of the task, newest first, its
response column) and named the judge in the payload: ``{"kind": "offline"}`` or the LLM judge's
non-secret settings. The LLM judge's API key is never in the payload: each worker reads it from its
own settings (``MLCUBE_LLM_API_KEY`` in its environment), so a Dask worker needs it set too.

Steps: ``evaluate`` reads the samples in the range (inputs joined with the models' predictions; a
sample's response is that of the newest model that has one). The offline judge scores them all at
once (its BM25 weights come from every chunk) and the results are written there. The LLM judge
scores them in :data:`JUDGE_PARTS` ``judge_part`` steps, each a slice of the samples, so the job's
progress (and the client's bar) advances while the model answers; ``store`` then writes the results
as Parquet at the report's ``result_path`` (atomic, same path on a re-run). ``finish`` records the
summary, with the judge that made it, on the report row.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from mlcube_nb.rag_evaluation import Judgement, RagSample, make_judge, results_frame, summary
from mlcube_nb.server.pipelines.base import DataView, view_of

if TYPE_CHECKING:

    from mlcube_nb.rag_evaluation import Judge

JUDGE_PARTS = 8
"""Steps the LLM judge's work is split into: the job's progress moves after each."""


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


def _samples(payload: dict[str, Any]) -> tuple[DataView, pd.DataFrame, list[RagSample]]:
    """The view, the samples' frame (time, then id order) and the samples, read the same way on every step."""
    view = view_of(payload)
    model_ids = [model_id for model_id, _ in payload["responses"]]
    frame = view.joined(model_ids, with_target=False).to_pandas()
    frame = frame.sort_values([view.time_column, view.id_column], kind="stable").reset_index(drop=True)
    samples = [RagSample(u, c, r) for u, c, r in zip(_texts(frame, payload["user_input_column"]),
                                                     _texts(frame, payload["context_column"]),
                                                     _responses(frame, payload["responses"]), strict=True)]
    return view, frame, samples


def _judge(payload: dict[str, Any]) -> Judge:
    """The judge the payload names; the LLM judge's key comes from this worker's own settings."""
    spec = payload.get("judge")
    if not spec or spec.get("kind") == "offline":
        return make_judge(None)
    from mlcube_nb.server.settings import Settings

    key = Settings().llm_api_key
    return make_judge(spec, key.get_secret_value() if key is not None else None)


def _options(payload: dict[str, Any]) -> dict[str, Any]:
    return {"text_language": payload.get("text_language"), "separator": payload.get("separator"),
            "default_answer": payload.get("default_answer")}


def _store(payload: dict[str, Any], view: DataView, frame: pd.DataFrame, samples: list[RagSample],
           judgements: list[Judgement], judge: dict[str, Any]) -> dict[str, Any]:
    results = results_frame(frame[view.id_column].tolist(), frame[view.time_column].astype(float).tolist(),
                            samples, judgements)
    view.storage.write_table(payload["result_path"], pa.Table.from_pandas(results, preserve_index=False))
    return {"summary": summary(results, judge), "done": True}


def evaluate(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 1: read the samples; the offline judge scores and stores them all now."""
    judge = _judge(payload)
    view, frame, samples = _samples(payload)
    if judge.whole_set:
        return _store(payload, view, frame, samples, judge.judge(samples, **_options(payload)), judge.info.as_dict())
    getattr(judge, "close", lambda: None)()
    return {"n": len(samples), "judged": [], "judge": judge.info.as_dict()}


def judge_part(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Steps 2 to 1 + JUDGE_PARTS: the LLM judge scores the next slice of the samples."""
    if carried.get("done"):
        return carried
    judged: list[dict[str, Any]] = carried["judged"]
    size = max(1, math.ceil(carried["n"] / JUDGE_PARTS))
    if len(judged) >= carried["n"]:
        return carried
    _, _, samples = _samples(payload)
    if len(samples) != carried["n"]:
        raise RuntimeError(f"the samples in the range changed while they were judged ({carried['n']} -> "
                           f"{len(samples)}); compute the report again")
    judge = _judge(payload)
    try:
        part = judge.judge(samples[len(judged):len(judged) + size], **_options(payload))
    finally:
        getattr(judge, "close", lambda: None)()
    return {**carried, "judged": judged + [j.to_json() for j in part]}


def store(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Last step: write the LLM judge's results (the offline judge's are stored already)."""
    if carried.get("done"):
        return carried
    view, frame, samples = _samples(payload)
    judgements = [Judgement.from_json(j) for j in carried["judged"]]
    if len(judgements) != len(samples):
        raise RuntimeError(f"{len(judgements)} judgements for {len(samples)} samples; compute the report again")
    return _store(payload, view, frame, samples, judgements, carried["judge"])


STEPS = (evaluate, *([judge_part] * JUDGE_PARTS), store)
"""The report job's steps; ``services/reports/lifecycle.finish_job`` completes the report."""
