"""The LLM judge: any OpenAI-compatible chat-completions server scores each sample (optional extra ``[llm]``).

One request per sample (:mod:`.prompts`), up to ``concurrency`` at once, each with the configured
timeout; the ``openai`` client retries a connection error, a timeout, a 429 or a 5xx once. JSON mode
(``response_format``) is asked for, and dropped for good if the server refuses it. The answer must be
one JSON object that :class:`Verdict` validates; a malformed or refused answer is asked for once
more, then the sample is recorded as "judge failed: reason" and the other samples go on. A metric
whose sample parts are missing gets the same lowest score as with the offline judge, without asking.
The API key is only handed to the client (a Bearer header); failure reasons are scrubbed of it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlcube_nb.rag_evaluation import prompts
from mlcube_nb.rag_evaluation.evaluate import METRICS, REQUIRED, RagSample, not_computed
from mlcube_nb.rag_evaluation.judge import JudgeInfo, Judgement, Progress
from mlcube_nb.rag_evaluation.metrics import MetricResult
from mlcube_nb.rag_evaluation.text import chunks, is_missing, is_refusal

log = logging.getLogger("mlcube_nb.rag_evaluation")

EXTRA_HINT = "pip install 'mlcube-nb[llm]'"
NO_KEY = "EMPTY"  # sent when no key is configured: local servers (vLLM, llama.cpp, Ollama) ignore it
EXPLANATION_CHARS = 1000
LLM_SEES = ("the texts of the sample (user input, numbered chunks, response) and the rubric of each metric, "
            "one sample at a time")
LLM_CANNOT_SEE = ("other samples, anything outside the retrieved context (it cannot check facts against the "
                  "world), and its own mistakes: scores are a model's judgement and can vary between models and "
                  "prompt versions")


class _Scored(BaseModel):
    model_config = ConfigDict(extra="ignore")
    score: Annotated[int, Field(ge=1, le=5)]
    explanation: Annotated[str, Field(min_length=1)]


class _Share(BaseModel):
    model_config = ConfigDict(extra="ignore")
    score: Annotated[float, Field(ge=0, le=100)]
    explanation: Annotated[str, Field(min_length=1)]


class _Attribution(BaseModel):
    model_config = ConfigDict(extra="ignore")
    chunks: list[Annotated[int, Field(ge=1)]]
    explanation: Annotated[str, Field(min_length=1)]


class Verdict(BaseModel):
    """The answer the judge must give for one sample: every metric with its score and explanation."""

    model_config = ConfigDict(extra="ignore")
    relevance: _Scored
    usefulness: _Scored
    utilization: _Share
    attribution: _Attribution
    faithfulness: _Scored
    satisfaction: _Scored

    def results(self, n_chunks: int) -> dict[str, MetricResult]:
        """The metric results; ValueError when an attributed chunk does not exist."""
        wrong = [c for c in self.attribution.chunks if c > n_chunks]
        if wrong:
            raise ValueError(f"attribution names chunk(s) {wrong} but the context has {n_chunks}")
        out: dict[str, MetricResult] = {}
        for metric in METRICS:
            item = getattr(self, metric)
            value: float | list[int] = sorted(set(item.chunks)) if metric == "attribution" else item.score
            out[metric] = MetricResult(value, item.explanation.strip()[:EXPLANATION_CHARS])
        return out


@dataclass(frozen=True)
class LlmJudgeConfig:
    """Where the judge's model is and how to call it (the key is never part of :meth:`public`)."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 4
    timeout_s: float = 60.0

    def public(self) -> dict[str, Any]:
        """The non-secret settings, safe to put in a job payload."""
        return {"kind": "llm", "base_url": self.base_url, "model": self.model, "concurrency": self.concurrency,
                "timeout_s": self.timeout_s}


class _Failed(Exception):
    """The sample could not be judged; the message is the reason."""


@dataclass
class _Usage:
    """Tokens one sample cost, over its requests; None when the server reports no usage."""

    prompt: int = 0
    completion: int = 0
    reported: bool = False

    def add(self, usage: Any) -> None:
        if usage is not None:
            self.prompt += usage.prompt_tokens or 0
            self.completion += usage.completion_tokens or 0
            self.reported = True

    def tokens(self) -> tuple[int | None, int | None]:
        return (self.prompt, self.completion) if self.reported else (None, None)


class LlmJudge:
    """Scores each sample with one chat-completion request to an OpenAI-compatible server."""

    whole_set = False

    def __init__(self, config: LlmJudgeConfig) -> None:
        try:
            import openai
        except ImportError as exc:
            raise RuntimeError(f"The LLM judge (MLCUBE_LLM_BASE_URL is set) needs the 'openai' package: {EXTRA_HINT} "
                               "on the server and every job worker, or unset MLCUBE_LLM_BASE_URL") from exc
        self.config = config
        self._openai = openai
        self._client = openai.OpenAI(base_url=config.base_url, api_key=config.api_key or NO_KEY,
                                     timeout=config.timeout_s, max_retries=1)
        self._json_mode = True  # response_format=json_object, dropped if the server refuses it
        self.info = JudgeInfo("llm", config.model, LLM_SEES, LLM_CANNOT_SEE, model=config.model,
                              prompt_version=prompts.PROMPT_VERSION)

    def judge(self, samples: Sequence[RagSample], *, text_language: str | None = None, separator: str | None = None,
              default_answer: str | None = None, progress: Progress | None = None) -> list[Judgement]:
        """One judgement per sample, requests in parallel up to the configured concurrency."""
        def one(sample: RagSample) -> Judgement:
            judgement = self._judge_one(sample, separator)
            if progress is not None:
                progress(1)
            return judgement

        if not samples:
            return []
        with ThreadPoolExecutor(max_workers=min(self.config.concurrency, len(samples)),
                                thread_name_prefix="mlcube-llm-judge") as pool:
            return list(pool.map(one, samples))

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    # --- one sample -----------------------------------------------------------------------------------

    def _judge_one(self, sample: RagSample, separator: str | None) -> Judgement:
        absent = {part for part in ("user_input", "retrieved_context", "response") if is_missing(getattr(sample, part))}
        lowest = {m: not_computed(m, absent) for m in METRICS if absent.intersection(REQUIRED[m])}
        if len(lowest) == len(METRICS):
            return Judgement(lowest)
        texts = None if "retrieved_context" in absent else chunks(str(sample.retrieved_context), separator)
        first = prompts.messages(None if "user_input" in absent else sample.user_input, texts,
                                 None if "response" in absent else sample.response)
        usage = _Usage()
        try:
            verdict = self._ask(first, len(texts or ()), usage)
        except _Failed as failed:
            reason = self._scrub(str(failed))
            log.warning("LLM judge failed on a sample: %s", reason)
            return Judgement(None, f"judge failed: {reason}", *usage.tokens())
        return Judgement({m: lowest.get(m, verdict[m]) for m in METRICS}, None, *usage.tokens())

    def _ask(self, first: list[dict[str, str]], n_chunks: int, usage: _Usage) -> dict[str, MetricResult]:
        """The validated verdict; one retry after a malformed or refused answer."""
        conversation = first
        problem = ""
        for attempt in range(2):
            answer, refusal = self._complete(conversation, usage)
            if refusal is not None:
                problem = f"the model refused: {refusal[:200]}"
            else:
                try:
                    return Verdict.model_validate_json(answer).results(n_chunks)
                except (ValidationError, ValueError) as exc:
                    problem = _problem(answer, exc)
            if attempt == 0:
                conversation = prompts.retry_messages(first, answer or refusal or "", problem)
        raise _Failed(f"{problem} (after one retry)")

    def _create(self, conversation: list[dict[str, str]]) -> Any:
        """One chat completion, in JSON mode unless the server has refused JSON mode once (then without it)."""
        if self._json_mode:
            try:
                return self._client.chat.completions.create(  # type: ignore[call-overload]  # plain dict messages
                    model=self.config.model, messages=conversation, temperature=0,
                    response_format={"type": "json_object"})
            except self._openai.BadRequestError as exc:
                if "response_format" not in str(exc.message):
                    raise
                log.warning("the model server refuses response_format (JSON mode); asking without it")
                self._json_mode = False
        return self._client.chat.completions.create(
            model=self.config.model, messages=conversation, temperature=0)  # type: ignore[arg-type]

    def _complete(self, conversation: list[dict[str, str]], usage: _Usage) -> tuple[str, str | None]:
        """The answer's text and, when the model or the server's filter declined, why."""
        openai = self._openai
        try:
            reply = self._create(conversation)
        except openai.APITimeoutError:
            raise _Failed(f"no answer from the model server within {self.config.timeout_s:g} s") from None
        except openai.APIStatusError as exc:
            raise _Failed(f"the model server answered HTTP {exc.status_code}: {str(exc.message)[:200]}") from None
        except openai.APIConnectionError as exc:
            raise _Failed(f"cannot reach the model server: {exc}") from None
        usage.add(reply.usage)
        if not reply.choices:
            return "", None
        choice = reply.choices[0]
        refusal = getattr(choice.message, "refusal", None)
        if refusal:
            return "", str(refusal)
        if choice.finish_reason == "content_filter":
            return "", "the server's content filter stopped the answer"
        return choice.message.content or "", None

    def _scrub(self, text: str) -> str:
        key = self.config.api_key
        return text.replace(key, "***") if key else text


def _problem(answer: str, exc: Exception) -> str:
    """A short reason why an answer is unusable."""
    text = answer.strip()
    if not text:
        return "the model gave an empty answer"
    if is_refusal(text):
        return f"the model refused: {text[:200]}"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            return "the answer is not a JSON object"
        where = ".".join(str(p) for p in first["loc"])
        return f"malformed answer: {where}: {first['msg']}"
    return f"malformed answer: {exc}"
