"""Every task type with tabular or text data gets monitoring statuses from its schema template and a model."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import (
    DataStructure,
    FileType,
    FolderType,
    ModelMetricName,
    MonitoringMetric,
    MonitoringStatus,
    MonitoringTarget,
    StoragePolicy,
    TaskType,
    TextLanguage,
)
from mlcube_nb.models import ColumnInfo, ImageData, LocalDataSource
from tests.server.data_helpers import tabular

WORDS = ["good", "great", "bad", "awful", "order", "delivery", "price", "support", "fast", "slow", "the", "was"]

CASES = [
    (TaskType.REGRESSION, DataStructure.TABULAR, ModelMetricName.RMSE, False,
     {"input", "concept", "prediction", "input_prediction", "error"}),
    (TaskType.CLASSIFICATION_BINARY, DataStructure.TABULAR, ModelMetricName.ACCURACY, True,
     {"input", "concept", "prediction", "input_prediction", "error", "prediction/model_entropy",
      "error/log_likelihood"}),
    (TaskType.CLASSIFICATION_MULTICLASS, DataStructure.TABULAR, ModelMetricName.ACCURACY, False,
     {"input", "concept", "prediction", "input_prediction", "error"}),
    (TaskType.CLASSIFICATION_BINARY, DataStructure.TEXT, ModelMetricName.ACCURACY, False,
     {"input", "input/text_length", "input/text_sentiment", "prediction", "error"}),
    (TaskType.RAG, DataStructure.TEXT, None, False,
     {"user_input", "user_input/text_length", "user_input/text_sentiment", "retrieved_context/text_length",
      "prediction/text_length"}),
]


def _values(column: ColumnInfo, n: int, rng: np.random.Generator) -> Any:
    kind = column.data_type.value
    if kind == "float":
        return rng.uniform(size=n) if "probability" in column.name else rng.normal(size=n)
    if kind == "integer":
        return rng.integers(0, 10, size=n)
    if kind == "categorical":
        return np.asarray(column.possible_values, dtype=object)[rng.integers(0, len(column.possible_values), n)]
    if kind == "string":
        return [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 12)))) for _ in range(n)]
    raise AssertionError(f"no generator for {kind}")


def _frames(columns: list[ColumnInfo], n: int, start: float, seed: int) -> dict[str, pd.DataFrame]:
    """The inputs, target and per-model prediction frames of *n* samples."""
    rng = np.random.default_rng(seed)
    ident = pd.DataFrame({"sample_id": [f"s{seed}_{i}" for i in range(n)],
                          "timestamp": start + np.arange(n, dtype=float)})
    parts: dict[str, pd.DataFrame] = {}
    for column in columns:
        role = column.role.value
        if role in ("id", "time_id"):
            continue
        group = "inputs" if role in ("input", "metadata") else role
        parts.setdefault(group, ident.copy())[column.name] = _values(column, n, rng)
    return parts


def _client(platform) -> tuple[ML3PlatformClient, str]:
    _, key = platform.new_user("types")
    client = ML3PlatformClient(platform.url, key, timeout=60)
    client.create_company(name="Types Co", address="1 Road", vat="IT1")
    project_id = client.create_project(name=f"p-{secrets.token_hex(3)}", description=None,
                                       default_storage_policy=StoragePolicy.MLCUBE)
    return client, project_id


@pytest.mark.parametrize(("task_type", "structure", "metric", "probabilistic", "expected"), CASES,
                         ids=[f"{c[0].value}-{c[1].value}" for c in CASES])
def test_every_task_type_gets_statuses(platform, task_type: TaskType, structure: DataStructure,
                                       metric: ModelMetricName | None, probabilistic: bool, expected: set[str]) -> None:
    client, project_id = _client(platform)
    extra: dict[str, Any] = {}
    if task_type is TaskType.CLASSIFICATION_BINARY:
        extra["positive_class"] = "yes"
    if structure is DataStructure.TEXT:
        extra["text_language"] = TextLanguage.ENGLISH
    task_id = client.create_task(project_id=project_id, name=f"t-{secrets.token_hex(3)}", tags=[],
                                 task_type=task_type, data_structure=structure, **extra)
    client.add_data_schema(task_id, client.get_data_schema_template(task_id))
    model_id = client.create_model(task_id=task_id, name="m", version="v1", with_probabilistic_output=probabilistic,
                                   metric_name=metric)
    columns = list(client.get_data_schema(task_id).columns)

    def send(n: int, start: float, seed: int, historical: bool) -> None:
        parts = _frames(columns, n, start, seed)
        args: dict[str, Any] = {"inputs": tabular(parts["inputs"]),
                                "predictions": [(model_id, tabular(parts["prediction"]))]}
        if "target" in parts:
            args["target"] = tabular(parts["target"])
        add = client.add_historical_data if historical else client.add_production_data
        client.wait_job_completion(add(task_id, **args))

    send(600, 0.0, 1, historical=True)
    client.wait_job_completion(client.set_model_reference(model_id, 0, 599))
    send(300, 600.0, 2, historical=False)
    statuses = client.get_task(task_id).monitoring_status
    keys = {(s.monitoring_target.value if s.monitoring_target else "")
            + (f"/{s.monitoring_metric.value}" if s.monitoring_metric else "") for s in statuses}
    assert expected <= keys, f"missing {expected - keys}; got {sorted(keys)}"
    assert {s.status for s in statuses} <= {MonitoringStatus.OK, MonitoringStatus.WARNING, MonitoringStatus.DRIFT}
    for key in expected:
        target, _, metric = key.partition("/")
        history = client.get_monitoring_history(task_id, MonitoringTarget(target),
                                                MonitoringMetric(metric) if metric else None)
        assert len(history) >= 1, key
    if "input/text_length" in expected:
        lengths = client.get_monitoring_history(task_id, MonitoringTarget.INPUT, MonitoringMetric.TEXT_LENGTH)
        assert len(lengths) == 1 and lengths[0].n_rows == 300


def _png_archive(path: Path, names: list[str], brightness: np.ndarray, rng: np.random.Generator) -> None:
    """A zip of small RGB PNGs, image i with mean level brightness[i] (0-255) plus noise."""
    from PIL import Image

    with zipfile.ZipFile(path, "w") as archive:
        for name, level in zip(names, brightness, strict=True):
            pixels = np.clip(rng.normal(level, 20.0, size=(16, 16, 3)), 0, 255).astype(np.uint8)
            buffer = io.BytesIO()
            Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
            archive.writestr(name, buffer.getvalue())


def test_image_tasks_monitor_image_quality_metrics(platform, tmp_path: Path) -> None:
    client, project_id = _client(platform)
    task_id = client.create_task(project_id=project_id, name="images", tags=[],
                                 task_type=TaskType.CLASSIFICATION_MULTICLASS, data_structure=DataStructure.IMAGE)
    client.add_data_schema(task_id, client.get_data_schema_template(task_id))
    model_id = client.create_model(task_id=task_id, name="cnn", version="v1", with_probabilistic_output=False,
                                   metric_name=ModelMetricName.ACCURACY)
    columns = list(client.get_data_schema(task_id).columns)
    target = next(c for c in columns if c.role.value == "target")
    prediction = next(c for c in columns if c.role.value == "prediction")
    rng = np.random.default_rng(7)

    def send(prefix: str, n: int, start: float, level: float, historical: bool) -> None:
        names = [f"{prefix}{i}.png" for i in range(n)]
        ident = pd.DataFrame({"sample_id": [f"{prefix}{i}" for i in range(n)],
                              "timestamp": start + np.arange(n, dtype=float)})
        archive = tmp_path / f"{prefix}.zip"
        _png_archive(archive, names, rng.normal(level, 10.0, size=n), rng)
        mapping = tmp_path / f"{prefix}.csv"
        ident.assign(file_name=names).to_csv(mapping, index=False)
        images = ImageData(source=LocalDataSource(file_type=FileType.PNG, is_folder=True, folder_type=FolderType.ZIP,
                                                  file_path=str(archive)),
                           mapping_source=LocalDataSource(file_type=FileType.CSV, is_folder=False,
                                                          file_path=str(mapping)))
        labels = ident.assign(**{target.name: _values(target, n, rng)})
        predicted = ident.assign(**{prediction.name: _values(prediction, n, rng)})
        add = client.add_historical_data if historical else client.add_production_data
        client.wait_job_completion(add(task_id, inputs=images, target=tabular(labels),
                                       predictions=[(model_id, tabular(predicted))]))

    send("r", 320, 0.0, level=128.0, historical=True)
    client.wait_job_completion(client.set_model_reference(model_id, 0, 319))
    send("p", 200, 320.0, level=60.0, historical=False)  # much darker images
    task = client.get_task(task_id)
    statuses = {(s.monitoring_target, s.monitoring_metric): s.status for s in task.monitoring_status}
    assert statuses.get((MonitoringTarget.INPUT, MonitoringMetric.IMAGE_BRIGHTNESS)) == MonitoringStatus.DRIFT, statuses
    assert {MonitoringMetric.IMAGE_CONTRAST, MonitoringMetric.IMAGE_FOCUS, MonitoringMetric.IMAGE_BLUR} <= {
        metric for _, metric in statuses}
    brightness = client.get_monitoring_history(task_id, MonitoringTarget.INPUT, MonitoringMetric.IMAGE_BRIGHTNESS)
    assert len(brightness) == 1 and brightness[0].n_rows == 200
