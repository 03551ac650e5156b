"""Non-negative matrix factorisation ``X ≈ W H`` with scikit-learn's ``NMF``, started from a seeded NNDSVDar.

- Initialisation (Boutsidis & Gallopoulos 2008, NNDSVD "ar"): the leading ``k`` singular triplets of
  ``X`` (scikit-learn's seeded randomized SVD), each split into its positive and negative parts, zeros
  then filled with small random values, so the fit is deterministic for a given seed.
- Updates: scikit-learn's coordinate-descent solver on the Frobenius loss (the HALS updates of Cichocki
  & Phan 2009), stopping at ``tol`` or after ``max_iter`` sweeps; no regularisation.
- Output: rows of ``H`` scaled to unit L2 norm (``W`` takes the scale), so ``W[i, j]`` is how much of
  topic ``j`` document ``i`` holds and rows of ``W`` are comparable across topics.

Limits: NMF finds a local optimum; each sweep costs ``O(nnz(X)·k + (n + V)·k²)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Factorisation:
    """``X ≈ W @ H`` with ``W`` (documents × k), ``H`` (k × words, unit-norm rows) and the relative error."""

    W: np.ndarray
    H: np.ndarray
    relative_error: float
    iterations: int


def nmf(X: sp.csr_matrix, k: int, *, seed: int = 0, max_iter: int = 200, tol: float = 1e-4) -> Factorisation:
    """Factorise the non-negative sparse *X* into *k* parts (see the module docstring)."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    n, v = X.shape
    if not 1 <= k <= min(n, v):
        raise ValueError(f"k must be between 1 and min(documents, words) = {min(n, v)}, got {k}")
    X = sp.csr_matrix(X, dtype=float)
    model = NMF(n_components=k, init="nndsvdar", solver="cd", tol=tol, max_iter=max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # stopping at max_iter is the documented contract
        W = model.fit_transform(X)
    H = np.array(model.components_, dtype=float)
    norms = np.linalg.norm(H, axis=1)
    keep = norms > 0
    W[:, keep] *= norms[keep]
    H[keep] /= norms[keep, None]
    norm = float(np.sqrt(X.multiply(X).sum()))
    return Factorisation(W, H, float(model.reconstruction_err_) / norm if norm > 0 else 0.0, int(model.n_iter_))
