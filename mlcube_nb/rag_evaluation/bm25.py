"""Okapi BM25 over the chunks of one evaluation, normalised so that a chunk's score reads on an absolute scale.

The corpus is every non-blank chunk of every sample of the report, so a query term that occurs in
most chunks (a domain word) weighs less than a rare one; a query term that no chunk holds weighs as
much as a term held by one chunk (small reports would otherwise let it dominate the ideal score).
A chunk's BM25 score is divided by the score of an *ideal* chunk: one of average length holding every
query term once. The ratio, capped at 1, is the share of the query's IDF-weighted terms the chunk matches.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from mlcube_nb.rag_evaluation.text import Terms

K1 = 1.2
B = 0.75


class Bm25Corpus:
    """Document frequencies and average length of a set of chunks (their content terms)."""

    def __init__(self, documents: Iterable[Terms]) -> None:
        self.n_documents = 0
        self.document_frequency: Counter[str] = Counter()
        total = 0
        for document in documents:
            if not document.sequence:
                continue
            self.n_documents += 1
            total += len(document.sequence)
            self.document_frequency.update(document.unique)
        self.average_length = total / self.n_documents if self.n_documents else 1.0

    def idf(self, term: str) -> float:
        """Always-positive BM25 inverse document frequency; a term no chunk holds weighs as the rarest one."""
        df = max(1, self.document_frequency.get(term, 0))
        return math.log(1.0 + (self.n_documents - df + 0.5) / (df + 0.5))

    def score(self, query: Terms, document: Terms) -> float:
        """The BM25 score of *document* for the distinct terms of *query*."""
        if not document.sequence:
            return 0.0
        counts = Counter(document.sequence)
        norm = K1 * (1.0 - B + B * len(document.sequence) / self.average_length)
        total = 0.0
        for term in query.unique:
            tf = counts.get(term, 0)
            if tf:
                total += self.idf(term) * tf * (K1 + 1.0) / (tf + norm)
        return total

    def normalised(self, query: Terms, document: Terms) -> float:
        """The score as a share (0–1) of an average-length chunk that holds each query term once."""
        ideal = sum(self.idf(term) for term in query.unique)
        if ideal <= 0.0:
            return 0.0
        return min(1.0, self.score(query, document) / ideal)
