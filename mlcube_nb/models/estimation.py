"""Estimated performance before the labels arrive (extension endpoint ``get_estimated_performance``)."""

from __future__ import annotations

from datetime import datetime

from mlcube_nb.enums import MonitoringEvaluationMetric, MonitoringStatus
from mlcube_nb.models.common import WireModel


class EstimatedPerformance(WireModel):
    """One metric's label-free estimate for one production batch, with its band and, once known, the realised value.

    ``status`` is the estimate's OK / WARNING / DRIFT against the reference's own chunk-to-chunk spread;
    ``warning_level`` / ``drift_level`` are the values of the metric at which it changes at this batch size.
    ``realized_value`` stays None until targets of the batch arrive (``n_labelled`` of its rows so far).
    """

    model_id: str
    batch_id: str | None = None
    from_timestamp: float | None = None
    to_timestamp: float | None = None
    n_samples: int
    metric_name: MonitoringEvaluationMetric
    estimated_value: float
    lower: float
    upper: float
    realized_value: float | None = None
    n_labelled: int = 0
    reference_value: float | None = None
    warning_level: float | None = None
    drift_level: float | None = None
    status: MonitoringStatus
    method: str
    insert_datetime: datetime
