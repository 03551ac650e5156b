"""Retraining module (PLATFORM.md §9.1): importance weights, suggestions and forecast bounds (numpy, scikit-learn).

Pure functions over arrays and frames, no I/O: the server's retraining pipeline reads the stored samples,
calls :func:`compute_report` and stores what it returns.
"""

from __future__ import annotations

from mlcube_nb.retraining.bounds import Bounds, Problem, forecast_bounds
from mlcube_nb.retraining.report import (
    RESAMPLED_DATASET,
    SAMPLE_WEIGHTS,
    ReportSpec,
    RetrainingResult,
    compute_report,
)
from mlcube_nb.retraining.resample import resample_counts
from mlcube_nb.retraining.weights import (
    DomainClassifier,
    clip_and_normalise,
    effective_sample_size,
    fit_domain_classifier,
    pooled_weights,
)

__all__ = [
    "RESAMPLED_DATASET",
    "SAMPLE_WEIGHTS",
    "Bounds",
    "DomainClassifier",
    "Problem",
    "ReportSpec",
    "RetrainingResult",
    "clip_and_normalise",
    "compute_report",
    "effective_sample_size",
    "fit_domain_classifier",
    "forecast_bounds",
    "pooled_weights",
    "resample_counts",
]
