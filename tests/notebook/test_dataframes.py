"""Every list the client returns has ``.df`` with sensible columns: timestamps as datetimes, enums as values."""

from __future__ import annotations

import pandas as pd

from mlcube_nb.enums import DetectionEventType, MonitoringStatus, MonitoringTarget
from tests.notebook.conftest import Drifted


def _datetime(frame: pd.DataFrame, *columns: str) -> bool:
    return all(pd.api.types.is_datetime64_any_dtype(frame[c]) for c in columns)


def test_detection_events(drifted: Drifted) -> None:
    frame = drifted.client.get_detection_events(drifted.task_id).df
    assert len(frame) and _datetime(frame, "insert_datetime")
    assert set(frame["event_type"]) <= {t.value for t in DetectionEventType}
    assert set(frame["monitoring_target"].dropna()) <= {t.value for t in MonitoringTarget}
    assert _datetime(frame, "sample_timestamp")  # epoch seconds on the wire, a datetime like the other times


def test_jobs(drifted: Drifted) -> None:
    frame = drifted.client.get_jobs(task_id=drifted.task_id).df
    assert {"job_id", "job_group", "status", "progress", "created_at", "finished_at"} <= set(frame.columns)
    assert _datetime(frame, "created_at", "started_at", "finished_at") and set(frame["status"]) == {"completed"}


def test_models(drifted: Drifted) -> None:
    frame = drifted.client.get_models(drifted.task_id).df
    # the panel tests may add a version from a suggestion to the shared task: one model, one or more versions
    assert len(frame) >= 1 and set(frame["name"]) == {"churn-model"} and _datetime(frame, "creation_datetime")
    assert set(frame["status"]) <= {s.value for s in MonitoringStatus} and frame["metric_name"][0] == "accuracy"


def test_monitoring_history(drifted: Drifted) -> None:
    frame = drifted.client.get_monitoring_history(drifted.task_id).df
    assert len(frame) and _datetime(frame, "timestamp")
    assert set(frame["status"]) <= {s.value for s in MonitoringStatus}
    assert {"statistic", "warning_level", "drift_level", "features"} <= set(frame.columns)


def test_api_keys_expiry(drifted: Drifted) -> None:
    frame = drifted.client.get_api_keys().df
    assert list(frame.columns) == ["api_key", "name", "expiration_time"] and len(frame)
