"""The resampled-dataset suggestion: sample ids drawn with replacement in proportion to their weights."""

from __future__ import annotations

import numpy as np


def resample_counts(weights: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """How many times each sample is drawn when *size* draws are made with replacement, P(i) ∝ ``weights[i]``.

    Seeded, so the same weights give the same dataset; the counts always sum to *size*.
    """
    w = np.asarray(weights, dtype=float)
    if size < 0:
        raise ValueError(f"the resampled dataset size must not be negative, got {size}")
    if w.size == 0 or np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise ValueError("resampling needs finite, non-negative weights that are not all zero")
    return np.random.default_rng(seed).multinomial(size, w / w.sum())
