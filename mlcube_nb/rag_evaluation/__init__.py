"""Offline RAG evaluation: six metrics per sample from its user input, retrieved context and response.

No LLM is used. Every metric is a deterministic function of the texts' content words (lower-cased
words minus the task language's stop words, lightly stemmed, plus numbers): BM25 for relevance,
sentence coverage for usefulness, word reuse for utilization, attribution and faithfulness, and
query coverage for satisfaction. See :mod:`.metrics` for each definition and :mod:`.report` for the
exported workbook.
"""

from mlcube_nb.rag_evaluation.evaluate import LOWEST, METRICS, REQUIRED, RagSample, evaluate_samples
from mlcube_nb.rag_evaluation.metrics import MetricResult
from mlcube_nb.rag_evaluation.report import results_frame, summary, workbook

__all__ = ["LOWEST", "METRICS", "REQUIRED", "MetricResult", "RagSample", "evaluate_samples", "results_frame",
           "summary", "workbook"]
