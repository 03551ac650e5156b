"""Text handling of the RAG evaluation: words, content terms, numbers, sentences, chunks and refusals.

Everything is lower-cased. A *content term* is a word that is not a stop word of the task's language
(:mod:`._stopwords`), lightly stemmed so that plural and singular forms meet, or a number written as
``#<value>`` (``30``, ``30.0`` and ``30,0`` are the same term). Numbers are kept apart as well, because
a number the context states differently is a contradiction, not just an unsupported word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from mlcube_nb.rag_evaluation._stopwords import STOP_WORDS

DEFAULT_LANGUAGE = "english"
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_REFUSALS = (
    "i don't know", "i do not know", "i dont know", "i cannot answer", "i can't answer", "i cant answer",
    "i am unable to", "i'm unable to", "unable to answer", "i cannot help", "i can't help", "i'm sorry, but",
    "i am sorry, but", "no information about", "not able to answer", "cannot provide", "as an ai",
    "non lo so", "non so rispondere", "non posso rispondere", "non posso aiutarti", "mi dispiace, ma",
    "non ho informazioni",
)


def language_of(text_language: str | None) -> str:
    """The stop-word list to use: the task's language when we have one, English otherwise."""
    return text_language if text_language is not None and text_language in STOP_WORDS else DEFAULT_LANGUAGE


def is_missing(text: object) -> bool:
    """Whether a sample component is absent: null, not a string, or only whitespace."""
    return not isinstance(text, str) or not text.strip()


def tokens(text: str) -> list[str]:
    """The lower-cased words and numbers of *text*, in order."""
    return _TOKEN.findall(text.lower())


def number_term(token: str) -> str | None:
    """``#<value>`` for a numeric token (thousands separators and decimal commas understood), else None."""
    if not token[0].isdigit():
        return None
    text = token.replace(",", "") if _THOUSANDS.match(token) else token.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return f"#{token}"
    return f"#{value:.10g}"


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """A light, deterministic suffix stripping so that inflected forms of a word compare equal."""
    if language == "italian":
        return word[:-1] if len(word) > 3 and word[-1] in "aeio" else word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_terms(text: str, language: str) -> list[str]:
    """The content terms of *text* in order (repeats kept): stemmed non-stop words and ``#`` numbers."""
    stop = STOP_WORDS[language]
    out = []
    for token in tokens(text):
        number = number_term(token)
        if number is not None:
            out.append(number)
        elif len(token) > 1 and token not in stop:
            out.append(stem(token, language))
    return out


def numbers(terms: Iterable[str]) -> set[str]:
    """The number terms among *terms*."""
    return {t for t in terms if t.startswith("#")}


def sentences(text: str) -> list[str]:
    """The sentences of *text* (split after ``.``, ``!``, ``?``, ``;`` and at line breaks), blanks dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def chunks(context: str, separator: str | None) -> list[str]:
    """The context split into chunks by the task's separator (the whole context when it has none).

    Blank chunks are kept so that chunk numbers match the positions in the stored context.
    """
    if not separator:
        return [context]
    return context.split(separator)


def is_refusal(response: str, default_answer: str | None = None) -> bool:
    """Whether the response declines to answer: the task's default answer, or a usual refusal phrase."""
    normal = " ".join(response.lower().translate(_APOSTROPHES).split())
    if default_answer and normal == " ".join(default_answer.lower().translate(_APOSTROPHES).split()):
        return True
    return any(phrase in normal for phrase in _REFUSALS)


@dataclass(frozen=True)
class Terms:
    """A text's content terms, kept both as a sequence (for frequencies) and as a set."""

    sequence: tuple[str, ...]

    @cached_property
    def unique(self) -> frozenset[str]:
        """The distinct terms."""
        return frozenset(self.sequence)

    @classmethod
    def of(cls, text: str, language: str) -> Terms:
        """The content terms of *text*."""
        return cls(tuple(content_terms(text, language)))
