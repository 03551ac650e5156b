"""The six RAG metrics of one sample, computed offline from word overlap (no LLM is involved).

Each function gets a sample whose needed parts are present (missing parts are handled by
:mod:`.evaluate`) and returns a :class:`MetricResult`: a value and a one-line explanation.

- relevance 1–5: best chunk's normalised BM25 score for the query (:mod:`.bm25`);
- usefulness 1–5: best context sentence's coverage of the query terms (a whole chunk's, capped at 4),
  higher when it also carries new information (answer-bearing: two other content words or a number);
- utilization 0–100: share of the context's distinct content terms that the response reuses;
- attribution: 1-based chunks whose content the response reuses (see :data:`ATTRIBUTION_SHARE`);
- faithfulness 1–5: share of the response's terms and sentences found in the context, one point
  less for each number the response states that the context does not (when the context has numbers);
  1 when it contradicts the context (a negation, an antonym, a name or number the context states
  otherwise: :mod:`.contradiction`) or shares no content word with it, at least 2 otherwise;
- satisfaction 1–5: response present, not a refusal, covering the query's terms and adding to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mlcube_nb.rag_evaluation.bm25 import Bm25Corpus
from mlcube_nb.rag_evaluation.contradiction import contradictions
from mlcube_nb.rag_evaluation.text import Terms, is_refusal, numbers, sentences

ATTRIBUTION_SHARE = 0.3
"""A chunk is attributed when the response reuses this share of its terms, or of its own terms come from it."""
SUPPORTED_SENTENCE_SHARE = 0.5
"""A response sentence is supported when this share of its content terms occurs in the context."""
MAX_NUMBER_PENALTY = 2


@dataclass(frozen=True)
class MetricResult:
    """A metric's value (a number, or chunk indices for attribution) and why it has that value."""

    value: float | list[int]
    explanation: str


@dataclass(frozen=True)
class Sample:
    """A sample as the metrics see it: content terms of each part (None = the part is missing)."""

    query: Terms | None
    chunk_texts: tuple[str, ...] | None
    chunks: tuple[Terms, ...] | None
    response_text: str | None
    response: Terms | None
    language: str
    default_answer: str | None = None
    context: Terms = field(init=False)

    def __post_init__(self) -> None:
        merged = tuple(term for chunk in self.chunks or () for term in chunk.sequence)
        object.__setattr__(self, "context", Terms(merged))


def _band(share: float, cuts: Sequence[float]) -> int:
    """1 + how many of the ascending *cuts* the share reaches."""
    return 1 + sum(share >= cut for cut in cuts)


def _chunk_list(indices: Sequence[int]) -> str:
    names = [str(i) for i in indices]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def relevance(sample: Sample, corpus: Bm25Corpus) -> MetricResult:
    """How well the best chunk matches the query (normalised BM25 mapped to 1–5)."""
    assert sample.query is not None and sample.chunks is not None
    if not sample.query.unique:
        return MetricResult(1, "The user input has no content words (only stop words), so no chunk can match it")
    shares = [corpus.normalised(sample.query, chunk) for chunk in sample.chunks]
    scores = [_band(share, (1e-9, 0.25, 0.5, 0.75)) for share in shares]
    best = max(range(len(scores)), key=lambda i: (scores[i], shares[i]))
    per_chunk = ", ".join(f"{i + 1}:{s}" for i, s in enumerate(scores[:20]))
    more = " ..." if len(scores) > 20 else ""
    return MetricResult(scores[best], f"Best chunk {best + 1} of {len(scores)} matches {shares[best]:.0%} of the "
                                      f"query's IDF-weighted terms (BM25); per chunk {per_chunk}{more}")


def _usefulness_score(coverage: float, answers: bool) -> int:
    if coverage == 0:
        return 1
    if coverage < 1 / 3:
        return 2
    if coverage < 2 / 3:
        return 3
    if coverage < 1:
        return 4 if answers else 3
    return 5 if answers else 4


def usefulness(sample: Sample) -> MetricResult:
    """Whether the context holds the query's terms and something more (a likely answer).

    Sentences are scored on the full scale; a whole chunk (the answer spread over sentences) at most 4.
    """
    assert sample.query is not None and sample.chunk_texts is not None and sample.chunks is not None
    query = sample.query.unique
    if not query:
        return MetricResult(1, "The user input has no content words (only stop words) to look for in the context")
    best: tuple[int, float, str] = (1, 0.0, "")
    for index, (text, chunk) in enumerate(zip(sample.chunk_texts, sample.chunks, strict=True)):
        units = [(Terms.of(s, sample.language).unique, f"A sentence of chunk {index + 1}", 5)
                 for s in sentences(text)]
        units.append((chunk.unique, f"Chunk {index + 1} as a whole", 4))
        for terms, where, cap in units:
            extra = terms - query
            coverage = len(terms & query) / len(query)
            answers = len(extra) >= 2 or bool(numbers(extra))
            score = min(cap, _usefulness_score(coverage, answers))
            bearing = "and adds further information (answer-bearing)" if answers else "but adds little beyond them"
            best = max(best, (score, coverage, f"{where} holds {coverage:.0%} of the query's content words {bearing}"))
    score, coverage, text = best
    if coverage == 0:
        return MetricResult(1, "No context sentence contains any content word of the user input")
    return MetricResult(score, text)


def utilization(sample: Sample) -> MetricResult:
    """Percentage of the context's distinct content terms that the response reuses."""
    assert sample.response is not None
    context = sample.context.unique
    if not context:
        return MetricResult(0.0, "The retrieved context has no content words, so nothing of it can be used")
    used = context & sample.response.unique
    share = 100.0 * len(used) / len(context)
    return MetricResult(round(share, 1), f"The response reuses {len(used)} of the {len(context)} distinct content "
                                         f"words of the context ({share:.1f}%)")


def attribution(sample: Sample) -> MetricResult:
    """The chunks whose content the response reuses (1-based positions in the context)."""
    assert sample.chunks is not None and sample.response is not None
    response = sample.response.unique
    found: list[int] = []
    details: list[str] = []
    for index, chunk in enumerate(sample.chunks):
        terms = chunk.unique
        shared = terms & response
        if not terms or len(shared) < min(2, len(terms)):
            continue
        if len(shared) / len(terms) >= ATTRIBUTION_SHARE or (response and len(shared) / len(response)
                                                            >= ATTRIBUTION_SHARE):
            found.append(index + 1)
            details.append(f"chunk {index + 1}: {len(shared)}/{len(terms)} words")
    if not found:
        return MetricResult([], f"The response reuses less than {ATTRIBUTION_SHARE:.0%} of any chunk's content "
                                "words")
    label = "Chunk" if len(found) == 1 else "Chunks"
    return MetricResult(found, f"{label} {_chunk_list(found)} supplied the response ({'; '.join(details)})")


def faithfulness(sample: Sample) -> MetricResult:
    """How much of the response the context supports; a contradiction of the context scores 1."""
    assert sample.response is not None and sample.response_text is not None and sample.chunk_texts is not None
    if is_refusal(sample.response_text, sample.default_answer):
        return MetricResult(5, "The response declines to answer, so it claims nothing the context could contradict")
    response, context = sample.response.unique, sample.context.unique
    if not response:
        return MetricResult(5, "The response has no content words, so it claims nothing the context could contradict")
    word_share = len(response & context) / len(response)
    checked = [Terms.of(s, sample.language).unique for s in sentences(sample.response_text)]
    checked = [terms for terms in checked if terms]
    supported = sum(len(terms & context) / len(terms) >= SUPPORTED_SENTENCE_SHARE for terms in checked)
    sentence_share = supported / len(checked) if checked else word_share
    support = (word_share + sentence_share) / 2
    score = _band(support, (0.25, 0.5, 0.7, 0.9))
    context_numbers = numbers(context)
    wrong = sorted(numbers(response) - context_numbers) if context_numbers else []
    score = max(2 if word_share > 0 else 1, score - min(len(wrong), MAX_NUMBER_PENALTY))
    text = (f"{word_share:.0%} of the response's content words and {supported} of {len(checked)} sentences are "
            "supported by the context")
    if wrong:
        text += f"; numbers not in the context: {', '.join(n[1:] for n in wrong)}"
    against = contradictions(sample.response_text, sample.chunk_texts, sample.language)
    if against:
        return MetricResult(1, f"The response contradicts the context: {'; '.join(against[:3])}. {text}")
    return MetricResult(score, text)


def satisfaction(sample: Sample) -> MetricResult:
    """Whether the response answers the query: not a refusal, covers its terms and adds to them."""
    assert sample.query is not None and sample.response is not None and sample.response_text is not None
    if is_refusal(sample.response_text, sample.default_answer):
        return MetricResult(1, "The response declines to answer the user input")
    response, query = sample.response.unique, sample.query.unique
    if not response:
        return MetricResult(1, "The response has no content words, so it does not answer the user input")
    if not query:
        return MetricResult(3, "The user input has no content words to check the response against")
    coverage = len(query & response) / len(query)
    if not response - query:
        return MetricResult(2, "The response only repeats words of the user input without adding an answer")
    score = 1 + _band(coverage, (0.2, 0.5, 0.8))
    return MetricResult(score, f"The response covers {coverage:.0%} of the query's content words and adds "
                               f"{len(response - query)} more")
