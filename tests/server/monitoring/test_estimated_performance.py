"""Estimated performance over HTTP: fitted with the reference, estimated per batch, realised after late targets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlcube_nb.enums import (
    DetectionEventType,
    ErrorCode,
    ModelMetricName,
    MonitoringEvaluationMetric,
    MonitoringStatus,
    TaskType,
)
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.models import SlackNotificationAction
from tests.server.data_helpers import Ctx, column, frame, inputs_of, make_ctx, tabular, target_of

N_REF, N_BATCH = 3000, 2000


def _binary(n: int, start: float, shift: float, seed: int) -> pd.DataFrame:
    """A perfectly calibrated classifier: the model's probability is the true P(yes | x)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(1.0 - shift, 1.0, n), rng.normal(size=n)
    p = 1.0 / (1.0 + np.exp(-2.5 * x1))
    return pd.DataFrame({"id": [f"s{seed}_{i}" for i in range(n)], "ts": start + np.arange(n, dtype=float),
                         "x1": x1, "x2": x2, "y": np.where(rng.uniform(size=n) < p, "yes", "no"),
                         "m@v1": np.where(p > 0.5, "yes", "no"), "m_probability@v1": p})


def _binary_task(ctx: Ctx, probabilistic: bool = True) -> tuple[str, str]:
    task_id = ctx.new_task([column("id", "id", "string"), column("ts", "time_id", "float"),
                            column("x1", "input", "float"), column("x2", "input", "float"),
                            column("y", "target", "categorical", possible_values=["no", "yes"])],
                           task_type=TaskType.CLASSIFICATION_BINARY, positive_class="yes")
    model_id = ctx.client.create_model(task_id=task_id, name="m", version="v1",
                                       with_probabilistic_output=probabilistic,
                                       metric_name=ModelMetricName.ACCURACY)
    return task_id, model_id


def _send(ctx: Ctx, task_id: str, model_id: str, df: pd.DataFrame, *, historical: bool = False,
          with_target: bool = True, probabilistic: bool = True) -> None:
    predictions = ["id", "ts", "m@v1"] + (["m_probability@v1"] if probabilistic else [])
    args: dict[str, Any] = {"inputs": tabular(df[["id", "ts", "x1", "x2"]]),
                            "predictions": [(model_id, tabular(df[predictions]))]}
    if with_target:
        args["target"] = tabular(df[["id", "ts", "y"]])
    add = ctx.client.add_historical_data if historical else ctx.client.add_production_data
    ctx.client.wait_job_completion(add(task_id, **args))


def _by_metric(items: Any) -> dict[str, Any]:
    return {item.metric_name.value: item for item in items}


def test_binary_estimates_without_targets_then_realised_after_late_targets(platform) -> None:
    ctx = make_ctx(platform)
    task_id, model_id = _binary_task(ctx)
    _send(ctx, task_id, model_id, _binary(N_REF, 0.0, 0.0, seed=1), historical=True)
    assert ctx.client.get_estimated_performance(model_id) == []  # no reference yet: nothing to estimate
    ctx.client.wait_job_completion(ctx.client.set_model_reference(model_id, 0, N_REF - 1))

    hook = SlackNotificationAction(webhook="http://127.0.0.1:9/hook")  # nothing listens: the delivery is recorded
    rule_id = ctx.client.create_detection_event_rule("accuracy", task_id, None, DetectionEventType.DRIFT_ON, None,
                                                     [hook], monitoring_evaluation_metrics=[
                                                         MonitoringEvaluationMetric.ACCURACY])
    batch = _binary(N_BATCH, N_REF, 1.2, seed=2)  # inputs moved towards the decision boundary
    _send(ctx, task_id, model_id, batch, with_target=False)
    estimates = ctx.client.get_estimated_performance(model_id)
    by_metric = _by_metric(estimates)
    assert set(by_metric) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    accuracy = by_metric["accuracy"]
    realised = float(np.mean(batch["y"] == batch["m@v1"]))
    assert accuracy.realized_value is None and accuracy.n_samples == N_BATCH
    assert (accuracy.from_timestamp, accuracy.to_timestamp) == (N_REF, N_REF + N_BATCH - 1)
    assert accuracy.lower <= accuracy.estimated_value <= accuracy.upper
    assert abs(accuracy.estimated_value - realised) < 0.03
    assert accuracy.estimated_value < accuracy.reference_value  # the drop is seen before any label
    assert accuracy.status == MonitoringStatus.DRIFT
    frame_ = estimates.df
    assert {"from_timestamp", "to_timestamp", "estimated_value", "lower", "upper", "realized_value",
            "status"} <= set(frame_.columns)

    events = [e for e in ctx.client.get_detection_events(task_id) if e.specification == "estimated"]
    accuracy_events = [e for e in events if e.monitoring_evaluation_metric == MonitoringEvaluationMetric.ACCURACY]
    assert [e.event_type for e in accuracy_events] == [DetectionEventType.DRIFT_ON]
    assert accuracy_events[0].monitoring_target is None  # an evaluation-metric event, as v1 clients know them
    deliveries = ctx.client.get_action_deliveries(task_id)
    assert [(d.rule_id, d.event_id) for d in deliveries] == [(rule_id, accuracy_events[0].event_id)]
    v1 = pytest.importorskip("ml3_platform_sdk.client").ML3PlatformClient(url=platform.url, api_key=ctx.api_key,
                                                                          timeout=30)
    assert {e.event_id for e in v1.get_detection_events(task_id)} >= {e.event_id for e in events}  # v1 parses them
    assert ctx.client.get_model(model_id).status == MonitoringStatus.DRIFT

    half = N_BATCH // 2  # targets arrive late, in two uploads: the realised value uses both
    ctx.client.wait_job_completion(ctx.client.add_target_data(task_id, tabular(batch[["id", "ts", "y"]][:half])))
    partial = _by_metric(ctx.client.get_estimated_performance(model_id))["accuracy"]
    assert partial.n_labelled == half
    assert partial.realized_value == pytest.approx(float(np.mean((batch["y"] == batch["m@v1"])[:half])))
    ctx.client.wait_job_completion(ctx.client.add_target_data(task_id, tabular(batch[["id", "ts", "y"]][half:])))
    final = _by_metric(ctx.client.get_estimated_performance(model_id))
    assert final["accuracy"].n_labelled == N_BATCH
    assert final["accuracy"].realized_value == pytest.approx(realised)
    assert final["accuracy"].lower <= realised <= final["accuracy"].upper
    assert final["roc_auc"].realized_value is not None


def test_multiclass_probability_arrays_give_macro_estimates(platform) -> None:
    ctx = make_ctx(platform)
    classes = ["a", "b", "c"]
    task_id = ctx.new_task([column("id", "id", "string"), column("ts", "time_id", "float"),
                            column("x1", "input", "float"), column("x2", "input", "float"),
                            column("y", "target", "categorical", possible_values=classes)],
                           task_type=TaskType.CLASSIFICATION_MULTICLASS)
    model_id = ctx.client.create_model(task_id=task_id, name="m", version="v1", with_probabilistic_output=True,
                                       metric_name=ModelMetricName.ACCURACY)

    def rows(n: int, start: float, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, 2))
        logits = np.column_stack([2 * x[:, 0], 2 * x[:, 1], -x[:, 0] - x[:, 1]])
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        y = (rng.uniform(size=(n, 1)) > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 2)
        return pd.DataFrame({"id": [f"m{seed}_{i}" for i in range(n)], "ts": start + np.arange(n, dtype=float),
                             "x1": x[:, 0], "x2": x[:, 1], "y": np.asarray(classes)[y],
                             "m@v1": np.asarray(classes)[p.argmax(axis=1)], "m_probability@v1": list(p)})

    reference, batch = rows(800, 0.0, 6), rows(600, 800.0, 7)
    for df, add in ((reference, ctx.client.add_historical_data), (batch, ctx.client.add_production_data)):
        if add == ctx.client.add_production_data:
            ctx.client.wait_job_completion(ctx.client.set_model_reference(model_id, 0, 799))
        ctx.client.wait_job_completion(add(task_id, inputs=tabular(df[["id", "ts", "x1", "x2"]]),
                                           target=tabular(df[["id", "ts", "y"]]),
                                           predictions=[(model_id, tabular(df[["id", "ts", "m@v1",
                                                                               "m_probability@v1"]]))]))
    by_metric = _by_metric(ctx.client.get_estimated_performance(model_id))
    assert set(by_metric) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    realised = float(np.mean(batch["y"] == batch["m@v1"]))
    assert by_metric["accuracy"].realized_value == pytest.approx(realised)
    assert abs(by_metric["accuracy"].estimated_value - realised) < 0.05


def test_regression_gets_mae_and_rmse_estimates(platform) -> None:
    ctx = make_ctx(platform)
    reference = frame(1500, seed=4)
    reference["y"] = reference["x1"] + reference["y"] * 0.5
    predictions = reference[["id", "ts"]].assign(**{ctx.prediction: reference["x1"] * 0.8})
    ctx.client.wait_job_completion(ctx.client.add_historical_data(
        ctx.task_id, inputs=tabular(inputs_of(reference)), target=tabular(target_of(reference)),
        predictions=[(ctx.model_id, tabular(predictions))]))
    ctx.client.wait_job_completion(ctx.client.set_model_reference(ctx.model_id, 0, 1499))
    batch = frame(800, start=1500, prefix="b", seed=5)
    batch["y"] = batch["x1"] + batch["y"] * 0.5
    ctx.client.wait_job_completion(ctx.client.add_production_data(  # the predictions come in a later upload
        ctx.task_id, inputs=tabular(inputs_of(batch)), target=tabular(target_of(batch))))
    assert ctx.client.get_estimated_performance(ctx.model_id) == []
    predictions = batch[["id", "ts"]].assign(**{ctx.prediction: batch["x1"] * 0.8})
    ctx.client.wait_job_completion(ctx.client.add_production_data(
        ctx.task_id, predictions=[(ctx.model_id, tabular(predictions))]))
    by_metric = _by_metric(ctx.client.get_estimated_performance(ctx.model_id))
    assert set(by_metric) == {"mae", "rmse"}
    realised = float(np.mean(np.abs(batch["y"] - batch["x1"] * 0.8)))
    assert by_metric["mae"].realized_value == pytest.approx(realised)  # its targets came with the inputs
    assert (by_metric["mae"].n_samples, by_metric["mae"].from_timestamp) == (800, 1500)
    assert abs(by_metric["mae"].estimated_value - realised) < 0.05
    assert by_metric["mae"].lower < by_metric["mae"].estimated_value < by_metric["mae"].upper
    assert by_metric["mae"].method == "dle"


def test_a_classifier_without_probabilities_is_refused_with_a_reason(platform) -> None:
    ctx = make_ctx(platform)
    task_id, model_id = _binary_task(ctx, probabilistic=False)
    _send(ctx, task_id, model_id, _binary(300, 0.0, 0.0, seed=3), historical=True, probabilistic=False)
    ctx.client.wait_job_completion(ctx.client.set_model_reference(model_id, 0, 299))
    with pytest.raises(SDKClientException) as err:
        ctx.client.get_estimated_performance(model_id)
    assert err.value.error_code == ErrorCode.ESTIMATION_NOT_SUPPORTED
    assert "with_probabilistic_output=True" in err.value.error_message
    other = make_ctx(platform)  # another company's user: the model does not exist for them
    with pytest.raises(SDKClientException) as err:
        other.client.get_estimated_performance(model_id)
    assert err.value.error_code == ErrorCode.MODEL_NOT_FOUND
