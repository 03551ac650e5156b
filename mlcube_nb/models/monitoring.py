"""Monitoring state: quantity statuses, detection events and KPIs (PLATFORM.md §5.9, §5.12, §5.13)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from mlcube_nb.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    KPIStatus,
    MonitoringEvaluationMetric,
    MonitoringMetric,
    MonitoringStatus,
    MonitoringTarget,
)
from mlcube_nb.models.common import WireModel


class MonitoringQuantityStatus(WireModel):
    """Current status of one monitored quantity (target, metric, specification) in one segment."""

    status: MonitoringStatus
    monitoring_target: MonitoringTarget | None = None
    monitoring_metric: MonitoringMetric | None = None
    specification: str | None = None
    segment_id: str | None = None
    # Extensions (ignored by the public client): which model and evaluation metric, and since when.
    monitoring_evaluation_metric: MonitoringEvaluationMetric | None = None
    model_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    last_change_datetime: datetime | None = None


class DetectionEvent(WireModel):
    """A change detected on production data: a target(±metric) event or an evaluation-metric event."""

    event_id: str
    event_type: DetectionEventType
    monitoring_target: MonitoringTarget | None = None
    monitoring_metric: MonitoringMetric | None = None
    severity_type: DetectionEventSeverity | None = None
    monitoring_evaluation_metric: MonitoringEvaluationMetric | None
    insert_datetime: str
    sample_timestamp: float
    sample_customer_id: str
    model_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    user_feedback: bool | None = None
    specification: str | None = None
    segment_id: str | None = None


class KPI(WireModel):
    """A project-level business KPI series and its monitoring status."""

    kpi_id: str
    name: str
    status: KPIStatus
    status_kpi_start_timestamp: datetime | None = None
    status_insert_datetime: datetime


class FeatureStatistic(WireModel):
    """One feature's test inside a batch's quantity test (the drill-down of a history point)."""

    feature: str
    test: str
    statistic: float | None = None
    p_value: float | None = None
    adjusted_p_value: float | None = None
    psi: float | None = None
    jensen_shannon: float | None = None
    wasserstein: float | None = None
    decision: MonitoringStatus
    reference_quantile: float | None = None
    """Share (0–1) of time-contiguous reference chunks less extreme than this batch; None when not calibrated."""
    warning_level: float | None = None
    """Statistic this feature must reach, on its own, for WARNING (i.i.d. bar raised by the reference's variation)."""
    drift_level: float | None = None
    """Same for DRIFT."""
    spread_statistic: float | None = None
    """Numeric features: the spread test's signed z (> 0: the batch is more spread out than the reference)."""
    spread_p_value: float | None = None
    """Numeric features: the spread test's i.i.d. p-value (the feature's adjusted p combines it with ``p_value``)."""
    decided_by: Literal["location", "spread"] | None = None
    """Numeric features: which test gave the feature's adjusted p-value."""


class MonitoringHistoryPoint(WireModel):
    """One quantity's test on one batch (extension endpoint): what a drift-history plot draws."""

    batch_id: str | None = None
    timestamp: datetime
    sample_timestamp: float | None = None
    model_id: str
    model_name: str | None = None
    model_version: str | None = None
    monitoring_target: MonitoringTarget | None = None
    monitoring_metric: MonitoringMetric | None = None
    monitoring_evaluation_metric: MonitoringEvaluationMetric | None = None
    statistic: float
    p_value: float | None = None
    magnitude: float
    decision: MonitoringStatus
    status: MonitoringStatus
    warning_level: float
    drift_level: float
    test: str
    n_rows: int
    features: list[FeatureStatistic] = []
    calibration: str | None = None
    """Which levels decided this batch, in plain words (calibrated on reference chunks, or i.i.d. test only)."""


class DeliveryAttempt(WireModel):
    """One attempt at delivering a rule action."""

    attempt: int
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: float
    attempted_at: datetime


class ActionDelivery(WireModel):
    """A rule action delivered (or being delivered) for a detection event (extension endpoint)."""

    delivery_id: str
    task_id: str
    event_id: str | None = None
    rule_id: str | None = None
    rule_name: str | None = None
    action_index: int
    action_type: str
    status: str
    attempts: int
    last_status_code: int | None = None
    last_error: str | None = None
    creation_datetime: datetime
    delivered_datetime: datetime | None = None
    history: list[DeliveryAttempt] = []
