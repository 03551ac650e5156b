"""RAG evaluation: six metrics per sample from its user input, retrieved context and response.

A *judge* scores the samples (:mod:`.judge`). The default, offline judge uses no LLM: every metric is
a deterministic function of the texts' content words (lower-cased words minus the task language's
stop words, lightly stemmed, plus numbers): BM25 for relevance, sentence coverage for usefulness,
word reuse for utilization and attribution, support and visible contradictions (:mod:`.contradiction`)
for faithfulness, and query coverage for satisfaction. The LLM judge (:mod:`.llm_judge`, extra
``mlcube-nb[llm]``) asks any OpenAI-compatible server with the prompts of :mod:`.prompts`. See
:mod:`.metrics` for each offline definition and :mod:`.report` for the exported workbook.
"""

from mlcube_nb.rag_evaluation.evaluate import LOWEST, METRICS, REQUIRED, RagSample, evaluate_samples
from mlcube_nb.rag_evaluation.judge import Judge, JudgeInfo, Judgement, OfflineJudge, make_judge
from mlcube_nb.rag_evaluation.metrics import MetricResult
from mlcube_nb.rag_evaluation.report import results_frame, summary, workbook

__all__ = ["LOWEST", "METRICS", "REQUIRED", "Judge", "JudgeInfo", "Judgement", "MetricResult", "OfflineJudge",
           "RagSample", "evaluate_samples", "make_judge", "results_frame", "summary", "workbook"]
