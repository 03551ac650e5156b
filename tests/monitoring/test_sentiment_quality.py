"""TEXT_SENTIMENT on a small labelled set (``sentiment_cases``): accuracy floors per group of sentences.

The floors sit just under what was measured when VADER replaced the hand-made English lexicon (see
``benchmarks/sentiment_quality.py`` and the issue-20 note), so a change that loses quality fails here.
"""

from __future__ import annotations

import pytest

from mlcube_nb.monitoring.text_metrics import text_sentiment
from tests.monitoring.sentiment_cases import ENGLISH, ITALIAN

FLOORS = {"positive": 0.9, "negative": 0.85, "negated": 0.65, "intensity": 0.8, "neutral": 0.8}


def _accuracy(cases: list[tuple[str, str]], language: str) -> float:
    labels = text_sentiment([text for text, _ in cases], language)  # type: ignore[arg-type]
    return sum(got.lower() == want.lower() for got, (_, want) in zip(labels, cases, strict=True)) / len(cases)


@pytest.mark.parametrize("group", list(ENGLISH))
def test_english_groups_reach_their_floor(group: str) -> None:
    assert _accuracy(ENGLISH[group], "english") >= FLOORS[group]


def test_overall_english_italian_and_mixed_accuracy() -> None:
    english = [case for cases in ENGLISH.values() for case in cases]
    assert _accuracy(english, "english") >= 0.8
    assert _accuracy(ITALIAN, "italian") >= 0.9
    # multilanguage scores each text in the language whose lexicon knows more of its words
    assert _accuracy(english + ITALIAN, "multilanguage") >= 0.8
