"""Fixtures of the sender tests: a live HTTP receiver, settings, and a drift notice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlcube_nb.server.actions import oauth
from mlcube_nb.server.settings import Settings
from tests.actions.receivers import Receiver, start_receiver

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that records what it is sent."""
    rec, server = start_receiver()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """A moto server (all AWS services) on a free port of 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    """Every test fetches its own OAuth tokens."""
    oauth.forget_tokens()
    yield
    oauth.forget_tokens()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Platform settings with a short delivery timeout."""
    return Settings(home=tmp_path, action_timeout_s=3.0)


@pytest.fixture
def notice() -> dict[str, Any]:
    """A high-severity input drift on model churn-xgb v2 of task churn."""
    return {
        "event_id": "ev0123456789", "task_id": "task42", "task_name": "churn", "project_id": "proj7",
        "model_id": "model9", "model_name": "churn-xgb", "model_version": "v2", "event_type": "drift_on",
        "monitoring_target": "input", "monitoring_metric": "feature_drift", "monitoring_evaluation_metric": None,
        "severity": "high", "magnitude": 0.734, "sample_timestamp": 1717000000.0, "sample_customer_id": "s-991",
        "time": "2024-05-29T16:26:40+00:00", "test": False,
    }


def assert_names_event(text: str) -> None:
    """*text* names task, model, target, metric, event type, severity, time and event id of the notice."""
    for expected in ("churn", "churn-xgb", "input", "feature_drift", "DRIFT ON", "high", "2024-05-29T16:26:40",
                     "ev0123456789"):
        assert expected in text, f"{expected!r} missing from {text!r}"
