"""Text metrics monitored on text inputs (PLATFORM.md §8.3): TEXT_LENGTH and TEXT_SENTIMENT.

Sentiment is lexicon based and fully offline. English is VADER (``vaderSentiment``: a 7,500-entry
lexicon with rules for negation, intensity, contrast, capitals, punctuation and emoticons), its
``compound`` score, with a few review/ticket words added (:mod:`._lexicon`). Italian, which VADER
does not cover, uses this package's Italian lexicon: each word found adds its polarity, a negation
within the three previous words flips it, an intensifier just before it scales it by 1.5, and the
total ``s`` is squashed to ``s / sqrt(s^2 + 15)`` in (-1, 1). ``multilanguage`` scores each text
with the language whose lexicon knows more of its words (English on a tie). Labels follow the
platform: English (and multilanguage) ``negative`` / ``neutral`` / ``positive`` with a neutral band
of ±0.05; Italian ``POSITIVE`` / ``NEGATIVE``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from ._lexicon import ENGLISH_ADDITIONS, INTENSIFIERS, ITALIAN, NEGATIONS

Language = Literal["english", "italian", "multilanguage"]
LANGUAGES = ("english", "italian", "multilanguage")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def text_length(
    texts: Iterable[str | None], *, unit: Literal["characters", "words"] = "characters"
) -> np.ndarray:
    """Length of each text in characters or words (0 for a missing text).

    Examples
    --------
    >>> text_length(["ciao mondo", None]).tolist(), text_length(["ciao mondo"], unit="words").tolist()
    ([10, 0], [2])
    """
    if unit not in ("characters", "words"):
        raise ValueError(f"unit must be 'characters' or 'words', got {unit!r}.")
    count = len if unit == "characters" else (lambda t: len(_WORD.findall(t)))
    return np.array([count(t) if isinstance(t, str) else 0 for t in texts], dtype=np.int64)


def sentiment_score(text: str | None, language: Language = "english") -> float:
    """Polarity of one text in (-1, 1); 0 when no lexicon word is found.

    Examples
    --------
    >>> sentiment_score("a great and friendly service") > 0.5
    True
    >>> sentiment_score("not good at all") < 0
    True
    >>> sentiment_score("un servizio pessimo, davvero lento", "italian") < 0
    True
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {list(LANGUAGES)}, got {language!r}.")
    if not isinstance(text, str) or not text.strip():
        return 0.0
    if language == "multilanguage":
        words = _WORD.findall(text.lower())
        english = _vader().lexicon
        if sum(w in ITALIAN for w in words) > sum(w in english for w in words):
            language = "italian"
    if language == "italian":
        return _italian_score(_WORD.findall(text.lower()))
    return float(_vader().polarity_scores(text)["compound"])


@lru_cache(maxsize=1)
def _vader() -> Any:
    """The shared VADER analyser, its lexicon extended by ``ENGLISH_ADDITIONS`` (imported on first use)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update({w: p for w, p in ENGLISH_ADDITIONS.items() if w not in analyzer.lexicon})
    return analyzer


def _italian_score(words: list[str]) -> float:
    """The Italian lexicon score of lower-cased *words*, squashed into (-1, 1)."""
    negations, intensifiers = NEGATIONS["italian"], INTENSIFIERS["italian"]
    total = 0.0
    for i, word in enumerate(words):
        polarity = ITALIAN.get(word)
        if polarity is None:
            continue
        if i and words[i - 1] in intensifiers:
            polarity *= 1.5
        if any(w in negations for w in words[max(0, i - 3) : i]):
            polarity *= -0.75
        total += polarity
    return total / math.sqrt(total * total + 15.0)


def text_sentiment(texts: Iterable[str | None], language: Language = "english") -> list[str]:
    """Sentiment label of each text, with the platform's label set for the language.

    Examples
    --------
    >>> text_sentiment(["I love it", "terrible", "the box is blue"])
    ['positive', 'negative', 'neutral']
    >>> text_sentiment(["ottimo prodotto", "non mi piace"], "italian")
    ['POSITIVE', 'NEGATIVE']
    """
    scores = [sentiment_score(t, language) for t in texts]
    if language == "italian":
        return ["NEGATIVE" if s < 0 else "POSITIVE" for s in scores]
    return ["positive" if s >= 0.05 else "negative" if s <= -0.05 else "neutral" for s in scores]
