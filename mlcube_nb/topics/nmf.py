"""Non-negative matrix factorisation ``X ≈ W H`` by HALS, started from a seeded NNDSVDar initialisation.

- Initialisation (Boutsidis & Gallopoulos 2008, NNDSVD): the leading ``k`` singular triplets of ``X``,
  each split into its positive and negative parts, the larger kept; zeros are then filled with small
  values drawn from ``numpy.random.default_rng(seed)`` (the "ar" variant) so HALS can move every entry.
  The SVD is dense for small matrices and ARPACK (``scipy.sparse.linalg.svds``, seeded start vector)
  otherwise, so the whole fit is deterministic for a given seed.
- Updates (Cichocki & Phan 2009, hierarchical alternating least squares): one column of ``W``, then one
  row of ``H``, at a time, each the exact non-negative least-squares solution given the others. It stops
  when the relative drop of the Frobenius error in one sweep falls below ``tol`` or after ``max_iter``.
- Output: rows of ``H`` scaled to unit L2 norm (``W`` takes the scale), so ``W[i, j]`` is how much of
  topic ``j`` document ``i`` holds and rows of ``W`` are comparable across topics.

Limits: NMF finds a local optimum; HALS costs ``O(nnz(X)·k + (n + V)·k²)`` per sweep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

_EPS = 1e-12
DENSE_SVD_CELLS = 4_000_000


@dataclass(frozen=True)
class Factorisation:
    """``X ≈ W @ H`` with ``W`` (documents × k), ``H`` (k × words, unit-norm rows) and the relative error."""

    W: np.ndarray
    H: np.ndarray
    relative_error: float
    iterations: int


def _svd(X: sp.csr_matrix, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The leading *k* singular triplets of *X*, largest first (dense for small matrices, else ARPACK)."""
    n, v = X.shape
    if n * v <= DENSE_SVD_CELLS or k >= min(n, v) - 1:
        U, S, Vt = np.linalg.svd(X.toarray(), full_matrices=False)
        return U[:, :k], S[:k], Vt[:k]
    U, S, Vt = svds(X, k=k, v0=rng.uniform(0.1, 1.0, size=min(n, v)))
    order = np.argsort(-S)
    return U[:, order], S[order], Vt[order]


def nndsvd(X: sp.csr_matrix, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The NNDSVDar starting point (W, H) of a rank-*k* factorisation of the non-negative *X*."""
    rng = np.random.default_rng(seed)
    U, S, Vt = _svd(X, k, rng)
    n, v = X.shape
    W, H = np.zeros((n, k)), np.zeros((k, v))
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0] = np.sqrt(S[0]) * np.abs(Vt[0])
    for j in range(1, k):
        x, y = U[:, j], Vt[j]
        xp, xn, yp, yn = np.maximum(x, 0), np.maximum(-x, 0), np.maximum(y, 0), np.maximum(-y, 0)
        pos = np.linalg.norm(xp) * np.linalg.norm(yp)
        neg = np.linalg.norm(xn) * np.linalg.norm(yn)
        u, w, sigma = (xp, yp, pos) if pos >= neg else (xn, yn, neg)
        nu, nw = np.linalg.norm(u), np.linalg.norm(w)
        if nu > 0 and nw > 0:
            scale = np.sqrt(S[j] * sigma)
            W[:, j], H[j] = scale * u / nu, scale * w / nw
    mean = float(X.sum()) / max(n * v, 1)
    W[W == 0] = mean * rng.uniform(size=int((W == 0).sum())) / 100
    H[H == 0] = mean * rng.uniform(size=int((H == 0).sum())) / 100
    return W, H


def _hals_sweep(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One HALS pass over the columns of W then the rows of H (in place); returns ``X.T @ W`` and ``W.T @ W``."""
    XHt, HHt = X @ H.T, H @ H.T
    for j in range(W.shape[1]):
        W[:, j] = np.maximum(W[:, j] + (XHt[:, j] - W @ HHt[:, j]) / max(HHt[j, j], _EPS), 0.0)
    XtW, WtW = X.T @ W, W.T @ W
    for j in range(H.shape[0]):
        if WtW[j, j] > _EPS:
            H[j] = np.maximum(H[j] + (XtW[:, j] - WtW[j] @ H) / WtW[j, j], 0.0)
    return np.asarray(XtW), WtW


def nmf(X: sp.csr_matrix, k: int, *, seed: int = 0, max_iter: int = 200, tol: float = 1e-4) -> Factorisation:
    """Factorise the non-negative sparse *X* into *k* parts (see the module docstring)."""
    n, v = X.shape
    if not 1 <= k <= min(n, v):
        raise ValueError(f"k must be between 1 and min(documents, words) = {min(n, v)}, got {k}")
    X = sp.csr_matrix(X, dtype=float)
    norm2 = float(X.multiply(X).sum())
    W, H = nndsvd(X, k, seed)
    previous, error, iterations = np.inf, 0.0, 0
    while iterations < max_iter:
        iterations += 1
        XtW, WtW = _hals_sweep(X, W, H)
        error = float(np.sqrt(max(norm2 - 2.0 * np.sum(XtW * H.T) + np.sum(WtW * (H @ H.T)), 0.0)))
        if previous - error <= tol * max(previous if np.isfinite(previous) else error, _EPS):
            break
        previous = error
    norms = np.linalg.norm(H, axis=1)
    keep = norms > 0
    W[:, keep] *= norms[keep]
    H[keep] /= norms[keep, None]
    return Factorisation(W, H, error / np.sqrt(norm2) if norm2 > 0 else 0.0, iterations)
