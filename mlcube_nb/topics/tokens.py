"""Tokenisation for topic modeling: lower-cased words of letters only, stop words and one-letter words dropped.

A *word* is a run of Unicode letters (digits, underscores and punctuation split words), so
``l'ordine`` gives ``l`` and ``ordine`` and ``don't`` gives ``don`` and ``t``. There is no stemming or
lemmatisation: ``order`` and ``orders`` are two words (NMF usually puts them in the same topic when
they are used the same way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlcube_nb.topics.stopwords import stop_words

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_WORD_CHARS = 2


def tokenize(text: str | None, stop: frozenset[str]) -> list[str]:
    """The content words of *text*, in order (a missing text has none).

    Examples
    --------
    >>> tokenize("The refund for my order was LATE!", frozenset({"the", "for", "my", "was"}))
    ['refund', 'order', 'late']
    """
    if not isinstance(text, str):
        return []
    words = (w.lower() for w in _WORD.findall(text))
    return [w for w in words if len(w) >= MIN_WORD_CHARS and w not in stop]


def tokenize_all(texts: Iterable[str | None], language: str | None = "english") -> list[list[str]]:
    """Tokenise every text with the stop words of *language* (see :func:`stop_words`)."""
    stop = stop_words(language)
    return [tokenize(text, stop) for text in texts]
