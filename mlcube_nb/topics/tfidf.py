"""A TF-IDF document-term matrix (``scipy.sparse`` CSR) over tokenised documents, by scikit-learn.

``TfidfVectorizer`` on the tokens of :mod:`.tokens`: sublinear term frequency ``1 + log(count)`` times
the smoothed inverse document frequency ``log((1 + n) / (1 + df)) + 1``, each row scaled to unit L2 norm
(a document without kept words stays an all-zero row). The vocabulary (sorted alphabetically) drops rare
words (in fewer than ``min_df`` documents: typos, ids), words in more than ``max_df`` of the documents
(they separate nothing) and keeps at most ``max_features`` words, the most frequent ones.
"""

from __future__ import annotations

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


def _tokens(document: Sequence[str]) -> Sequence[str]:
    """The analyzer of the vectorizer: documents arrive already tokenised."""
    return document


def build_matrix(documents: Sequence[Sequence[str]], *, min_df: int | None = None, max_df: float = 0.9,
                 max_features: int = 5000) -> DocumentTermMatrix:
    """The TF-IDF matrix of tokenised *documents* (see the module docstring for the weighting).

    ``max_df`` (a fraction of the documents) is applied only from 10 documents on, so a tiny corpus
    where one word is everywhere keeps it.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not 0.0 < max_df <= 1.0:
        raise ValueError(f"max_df is a fraction of the documents in (0, 1], got {max_df}")
    n = len(documents)
    vectorizer = TfidfVectorizer(analyzer=_tokens, min_df=default_min_df(n) if min_df is None else min_df,
                                 max_df=max_df if n >= 10 else 1.0, max_features=max_features, sublinear_tf=True)
    if not any(documents):
        return DocumentTermMatrix(sp.csr_matrix((n, 0)), ())
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # raised by scikit-learn when no word is left after min_df / max_df
        return DocumentTermMatrix(sp.csr_matrix((n, 0)), ())
    return DocumentTermMatrix(sp.csr_matrix(matrix, dtype=float), tuple(vectorizer.get_feature_names_out()))
