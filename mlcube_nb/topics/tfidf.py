"""A TF-IDF document-term matrix (``scipy.sparse`` CSR) over tokenised documents.

Weights: sublinear term frequency ``1 + log(count)`` times the smoothed inverse document frequency
``log((1 + n) / (1 + df)) + 1``, each row scaled to unit L2 norm (a document without kept words stays
an all-zero row). The vocabulary drops rare words (in fewer than ``min_df`` documents: typos, ids),
words in more than ``max_df`` of the documents (they separate nothing) and keeps at most
``max_features`` words, the most frequent ones first (ties by alphabetical order, so it is deterministic).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class DocumentTermMatrix:
    """Rows = documents, columns = ``vocabulary`` words, values = L2-normalised TF-IDF weights."""

    matrix: sp.csr_matrix
    vocabulary: tuple[str, ...]

    @property
    def n_documents(self) -> int:
        """How many documents (rows) the matrix has."""
        return int(self.matrix.shape[0])

    def empty_rows(self) -> np.ndarray:
        """A boolean mask of the documents without any vocabulary word."""
        return np.diff(self.matrix.indptr) == 0


def default_min_df(n_documents: int) -> int:
    """Keep words seen in at least two documents, once there are enough documents for that to matter."""
    return 2 if n_documents >= 10 else 1


def build_matrix(documents: Sequence[Sequence[str]], *, min_df: int | None = None, max_df: float = 0.9,
                 max_features: int = 5000) -> DocumentTermMatrix:
    """The TF-IDF matrix of tokenised *documents* (see the module docstring for the weighting).

    ``max_df`` (a fraction of the documents) is applied only from 10 documents on, so a tiny corpus
    where one word is everywhere keeps it.
    """
    if not 0.0 < max_df <= 1.0:
        raise ValueError(f"max_df is a fraction of the documents in (0, 1], got {max_df}")
    n = len(documents)
    min_df = default_min_df(n) if min_df is None else min_df
    df = Counter(word for doc in documents for word in set(doc))
    limit = max_df * n if n >= 10 else float("inf")
    kept = sorted((w for w, c in df.items() if min_df <= c <= limit), key=lambda w: (-df[w], w))[:max_features]
    vocabulary = tuple(sorted(kept))
    index = {w: i for i, w in enumerate(vocabulary)}
    idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in vocabulary])
    rows, cols, values = [], [], []
    for row, doc in enumerate(documents):
        counts = Counter(w for w in doc if w in index)
        for word, count in counts.items():
            rows.append(row)
            cols.append(index[word])
            values.append(1.0 + math.log(count))
    matrix = sp.csr_matrix((np.asarray(values, dtype=float), (rows, cols)), shape=(n, len(vocabulary)))
    matrix = matrix @ sp.diags(idf) if len(vocabulary) else matrix
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return DocumentTermMatrix(sp.csr_matrix(sp.diags(scale) @ matrix), vocabulary)
