"""The design matrix of the retraining learners: standardised numeric inputs and one-hot categorical inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_LEVELS = 30
"""Categorical levels kept per column (the most frequent); rarer values share one "other" column."""


@dataclass(frozen=True)
class Design:
    """How to turn a frame of inputs into a float matrix; fitted once on all samples of the report."""

    numeric: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    categorical: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def width(self) -> int:
        """Number of matrix columns."""
        return len(self.numeric) + sum(len(levels) + 1 for _, levels in self.categorical)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Numeric columns standardised (missing → the mean, i.e. 0); one indicator per kept level plus "other"."""
        parts = []
        for name, mean, scale in zip(self.numeric, self.means, self.scales, strict=True):
            values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
            parts.append(np.nan_to_num((values - mean) / scale, nan=0.0, posinf=0.0, neginf=0.0)[:, None])
        for name, levels in self.categorical:
            values = frame[name].astype("string").fillna("<missing>").to_numpy(dtype=object)
            known = np.stack([values == level for level in levels], axis=1) if levels else np.zeros((len(frame), 0))
            other = ~known.any(axis=1) if levels else np.ones(len(frame), dtype=bool)
            parts.append(np.column_stack([known, other]).astype(float))
        return np.hstack(parts) if parts else np.zeros((len(frame), 0))


def fit_design(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> Design:
    """Means and scales of the numeric columns and the most frequent levels of the categorical ones."""
    means, scales = [], []
    for name in numeric:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        mean = float(finite.mean()) if finite.size else 0.0
        scale = float(finite.std()) if finite.size else 1.0
        means.append(mean)
        scales.append(scale if scale > 1e-12 else 1.0)
    levels = []
    for name in categorical:
        counts = frame[name].astype("string").fillna("<missing>").value_counts()
        levels.append((name, tuple(str(v) for v in counts.index[:MAX_LEVELS])))
    return Design(tuple(numeric), tuple(means), tuple(scales), tuple(levels))
