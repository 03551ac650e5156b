"""Evaluate a set of RAG samples: parse their parts, build the BM25 corpus, compute every metric.

A metric whose needed parts (PLATFORM.md §9.2, plus the response for the two metrics that measure
what the response takes from the context) are missing gets its lowest value, and its explanation
names the missing parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlcube_nb.rag_evaluation import metrics
from mlcube_nb.rag_evaluation.bm25 import Bm25Corpus
from mlcube_nb.rag_evaluation.metrics import MetricResult, Sample
from mlcube_nb.rag_evaluation.text import Terms, chunks, is_missing, language_of

METRICS = ("relevance", "usefulness", "utilization", "attribution", "faithfulness", "satisfaction")
"""The metrics of a sample, in report order."""

REQUIRED: dict[str, tuple[str, ...]] = {
    "relevance": ("user_input", "retrieved_context"),
    "usefulness": ("user_input", "retrieved_context"),
    "utilization": ("user_input", "retrieved_context", "response"),
    "attribution": ("user_input", "retrieved_context", "response"),
    "faithfulness": ("retrieved_context", "response"),
    "satisfaction": ("user_input", "response"),
}
"""The sample parts each metric needs."""

LOWEST: dict[str, float | list[int]] = {"relevance": 1, "usefulness": 1, "utilization": 0.0, "attribution": [],
                                        "faithfulness": 1, "satisfaction": 1}
"""The value a metric gets when a part it needs is missing."""

_PART_NAMES = {"user_input": "user input", "retrieved_context": "retrieved context", "response": "response"}


@dataclass(frozen=True)
class RagSample:
    """One sample's raw texts (None or blank = missing)."""

    user_input: str | None
    retrieved_context: str | None
    response: str | None


def parse(sample: RagSample, language: str, separator: str | None, default_answer: str | None = None) -> Sample:
    """The content terms of a sample's parts (None for a missing part)."""
    query = None if is_missing(sample.user_input) else Terms.of(str(sample.user_input), language)
    texts = None if is_missing(sample.retrieved_context) else tuple(chunks(str(sample.retrieved_context),
                                                                           separator))
    parsed_chunks = None if texts is None else tuple(Terms.of(t, language) for t in texts)
    response_text = None if is_missing(sample.response) else str(sample.response)
    response = None if response_text is None else Terms.of(response_text, language)
    return Sample(query, texts, parsed_chunks, response_text, response, language, default_answer)


def _missing(sample: Sample) -> set[str]:
    absent = set()
    if sample.query is None:
        absent.add("user_input")
    if sample.chunks is None:
        absent.add("retrieved_context")
    if sample.response is None:
        absent.add("response")
    return absent


def not_computed(metric: str, absent: set[str]) -> MetricResult:
    """The lowest result of *metric*, naming the missing sample parts (of *absent*) it needs."""
    parts = [_PART_NAMES[p] for p in REQUIRED[metric] if p in absent]
    names = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    verb, pronoun = ("is", "it") if len(parts) == 1 else ("are", "them")
    return MetricResult(LOWEST[metric], f"Lowest score: the sample's {names} {verb} missing, and {metric} "
                                        f"needs {pronoun}")


def evaluate_sample(sample: Sample, corpus: Bm25Corpus) -> dict[str, MetricResult]:
    """Every metric of one parsed sample."""
    absent = _missing(sample)
    results: dict[str, MetricResult] = {}
    for metric in METRICS:
        if absent.intersection(REQUIRED[metric]):
            results[metric] = not_computed(metric, absent)
        elif metric == "relevance":
            results[metric] = metrics.relevance(sample, corpus)
        else:
            results[metric] = getattr(metrics, metric)(sample)
    return results


def evaluate_samples(samples: Sequence[RagSample], *, text_language: str | None = None,
                     separator: str | None = None, default_answer: str | None = None) -> list[dict[str, MetricResult]]:
    """Evaluate samples together (their chunks form the BM25 corpus); one metrics dict per sample, in order."""
    language = language_of(text_language)
    parsed = [parse(s, language, separator, default_answer) for s in samples]
    corpus = Bm25Corpus(chunk for s in parsed for chunk in s.chunks or ())
    return [evaluate_sample(s, corpus) for s in parsed]
