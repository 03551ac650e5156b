"""The judge interface of the RAG evaluation: who scores the six metrics of a sample, and what it can see.

Two judges stand behind it: :class:`OfflineJudge` (the default: word overlap, BM25 and rules, no
network) and the LLM judge of :mod:`.llm_judge` (any OpenAI-compatible server, optional extra
``mlcube-nb[llm]``). A judge turns samples into :class:`Judgement` s, one per sample, in order; a
sample the judge could not score carries a ``failure`` ("judge failed: reason") instead of metrics,
and the rest of the report is unaffected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from mlcube_nb.rag_evaluation.evaluate import RagSample, evaluate_samples
from mlcube_nb.rag_evaluation.metrics import MetricResult

Progress = Callable[[int], None]
"""Told how many more samples were judged."""

OFFLINE_SEES = ("the content words each text shares with the others (stemmed, stop words dropped), numbers, "
                "negation cues (not, never, no...), a short list of antonyms (open/closed, free/paid...) and "
                "capitalised names, sentence by sentence")
OFFLINE_CANNOT_SEE = ("meaning: synonyms and paraphrases (a faithful answer in other words can score low), "
                      "facts it has no word for, reasoning, tone; relevance is word overlap (BM25), not judgement")


@dataclass(frozen=True)
class JudgeInfo:
    """Which judge produced a report: shown on the report and in its export."""

    kind: str  # "offline" or "llm"
    name: str
    sees: str
    cannot_see: str
    model: str | None = None
    prompt_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (stored with the report's summary)."""
        return asdict(self)


OFFLINE_INFO = JudgeInfo("offline", "offline (word overlap and rules)", OFFLINE_SEES, OFFLINE_CANNOT_SEE)


@dataclass(frozen=True)
class Judgement:
    """One sample's metrics, or why the judge could not score it; tokens when the judge's server reports them."""

    results: Mapping[str, MetricResult] | None
    failure: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form, to carry judgements between job steps."""
        results = None if self.results is None else {m: [r.value, r.explanation] for m, r in self.results.items()}
        return {"results": results, "failure": self.failure, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Judgement:
        """The judgement :meth:`to_json` wrote."""
        raw = data.get("results")
        results = None if raw is None else {m: MetricResult(v, e) for m, (v, e) in raw.items()}
        return cls(results, data.get("failure"), data.get("prompt_tokens"), data.get("completion_tokens"))


class Judge(Protocol):
    """Scores RAG samples on the six metrics of the report."""

    info: JudgeInfo
    whole_set: bool
    """True when a sample's scores depend on the other samples (judge them in one call)."""

    def judge(self, samples: Sequence[RagSample], *, text_language: str | None = None, separator: str | None = None,
              default_answer: str | None = None, progress: Progress | None = None) -> list[Judgement]:
        """One judgement per sample, in order."""
        ...


class OfflineJudge:
    """The deterministic offline judge (:mod:`.metrics`): no network, same scores on every run."""

    info = OFFLINE_INFO
    whole_set = True  # relevance's BM25 weights come from every chunk of the report

    def judge(self, samples: Sequence[RagSample], *, text_language: str | None = None, separator: str | None = None,
              default_answer: str | None = None, progress: Progress | None = None) -> list[Judgement]:
        """Every sample's metrics from word overlap and rules."""
        results = evaluate_samples(samples, text_language=text_language, separator=separator,
                                   default_answer=default_answer)
        if progress is not None:
            progress(len(samples))
        return [Judgement(r) for r in results]


def make_judge(spec: Mapping[str, Any] | None, api_key: str | None = None) -> Judge:
    """The judge a job names (``LlmJudgeConfig.public()`` or None): the offline judge unless it names an LLM.

    Raises RuntimeError naming the ``[llm]`` extra when the LLM judge is asked for and ``openai`` is missing.
    """
    if not spec or spec.get("kind", "offline") == "offline":
        return OfflineJudge()
    from mlcube_nb.rag_evaluation.llm_judge import LlmJudge, LlmJudgeConfig

    return LlmJudge(LlmJudgeConfig(str(spec["base_url"]), str(spec["model"]), api_key,
                                   int(spec.get("concurrency", 4)), float(spec.get("timeout_s", 60.0))))
