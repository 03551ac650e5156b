"""Label-free performance estimation: CBPE and DLE on seeded data with known truth, realised counts, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from mlcube_nb.monitoring.estimation_calibrators import (
    _cv_brier,
    choose_method,
    fit_calibrator,
    passes_calibration_test,
)
from mlcube_nb.monitoring.estimation_classification import ClassificationEstimator, fit_classification
from mlcube_nb.monitoring.estimation_common import EstimationUnsupported, ReferenceSpread
from mlcube_nb.monitoring.estimation_realized import (
    classification_counts,
    merge_counts,
    realized_metrics,
    regression_counts,
)
from mlcube_nb.monitoring.estimation_regression import fit_regression


def _calibrated_binary(n: int, mean: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores equal to the true P(1 | x): a perfectly calibrated model; x's mean is the covariate shift."""
    x = rng.normal(mean, 1.0, size=n)
    p = 1.0 / (1.0 + np.exp(-2.5 * x))
    return np.column_stack([1 - p, p]), (rng.uniform(size=n) < p).astype(int), (p > 0.5).astype(int)


def test_calibrated_binary_model_under_covariate_shift_is_estimated_within_003_and_inside_the_band() -> None:
    rng = np.random.default_rng(18)
    estimator = fit_classification(*_calibrated_binary(5000, 1.0, rng), ("0", "1"), seed=0)
    errors, inside, realised_values = [], 0, []
    for batch in range(6):  # the inputs move towards the decision boundary: accuracy falls
        scores, labels, predicted = _calibrated_binary(2000, 1.0 - 0.25 * batch, rng)
        estimate = estimator.estimate(scores, predicted, seed=batch)["accuracy"]
        realised = float(np.mean(labels == predicted))
        realised_values.append(realised)
        errors.append(abs(estimate.value - realised))
        inside += estimate.lower <= realised <= estimate.upper
    assert realised_values[-1] < realised_values[0] - 0.03  # the shift really lowers performance
    assert np.mean(errors) <= 0.03
    assert inside >= 5


def test_over_confident_binary_model_is_recalibrated_on_the_reference() -> None:
    rng = np.random.default_rng(3)

    def batch(n: int, mean: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = rng.normal(mean, 1.0, size=n)
        truth = 1.0 / (1.0 + np.exp(-x))
        score = 1.0 / (1.0 + np.exp(-3.0 * x))  # claims far more confidence than it has
        return np.column_stack([1 - score, score]), (rng.uniform(size=n) < truth).astype(int), (score > 0.5) * 1

    estimator = fit_classification(*batch(4000, 0.5), ("0", "1"))
    assert estimator.calibrators.per_class[0].method == "isotonic"
    scores, labels, predicted = batch(2000, -0.5)
    naive = float(np.mean(np.maximum(scores[:, 1], 1 - scores[:, 1])))  # CBPE on the raw scores
    estimate = estimator.estimate(scores, predicted)["accuracy"].value
    realised = float(np.mean(labels == predicted))
    assert abs(estimate - realised) < 0.03 < abs(naive - realised)


def test_small_reference_gets_platt_scaling() -> None:
    rng = np.random.default_rng(5)
    score = rng.uniform(size=300)
    calibrator = fit_calibrator(score, rng.uniform(size=300) < score ** 2)
    assert calibrator.method == "platt"
    assert np.all(np.diff(calibrator(np.linspace(0.01, 0.99, 50))) >= 0)


def test_the_calibration_test_rejects_a_calibrated_model_at_its_nominal_rate() -> None:
    rng = np.random.default_rng(40)
    rejected = 0
    for _ in range(400):
        scores, labels, _ = _calibrated_binary(2000, rng.uniform(-1.0, 1.0), rng)
        rejected += not passes_calibration_test(scores[:, 1], labels == 1)
    assert 0.02 <= rejected / 400 <= 0.08  # 5 % nominal; 400 draws give a binomial sd of 1.1 %


def _mildly_over_confident(n: int, mean: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = rng.normal(mean, 1.5, size=n)
    score = 1.0 / (1.0 + np.exp(-1.15 * x))  # truth: sigmoid(x)
    return np.column_stack([1 - score, score]), (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-x))).astype(int), \
        (score > 0.5).astype(int)


def test_scores_that_tie_on_brier_but_fail_the_calibration_test_are_recalibrated() -> None:
    rng = np.random.default_rng(0)
    reference = _mildly_over_confident(5000, 0.5, rng)
    score, outcome = reference[0][:, 1], reference[1] == 1
    # the cross-validated Brier comparison alone would keep these raw scores ...
    assert _cv_brier(score, outcome, "isotonic", 0) > float(np.mean(np.square(score - outcome)))
    # ... but they are over-confident, which the test sees
    assert not passes_calibration_test(score, outcome)
    assert choose_method(score, outcome) == "isotonic"
    chosen = fit_classification(*reference, ("0", "1"))
    kept = fit_classification(*reference, ("0", "1"), method="identity")
    errors: dict[str, list[float]] = {"chosen": [], "kept": []}
    inside = {"chosen": 0, "kept": 0}
    for batch in range(6):  # towards the boundary, where over-confidence overstates accuracy most
        scores, labels, predicted = _mildly_over_confident(2000, 0.5 - 0.2 * batch, rng)
        realised = float(np.mean(labels == predicted))
        for name, estimator in (("chosen", chosen), ("kept", kept)):
            estimate = estimator.estimate(scores, predicted, seed=batch)["accuracy"]
            errors[name].append(abs(estimate.value - realised))
            inside[name] += estimate.lower <= realised <= estimate.upper
    assert np.mean(errors["chosen"]) < 0.5 * np.mean(errors["kept"])
    assert inside["chosen"] >= 5 > inside["kept"]


def test_a_calibrated_model_keeps_its_scores_and_loses_little_when_the_test_rejects_them() -> None:
    kept, differences = 0, []
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        reference = _calibrated_binary(5000, 0.5, rng)
        kept += choose_method(reference[0][:, 1], reference[1] == 1) == "identity"
        # what a false rejection (5 % of calibrated models) costs: the isotonic fit instead of the raw scores
        recalibrated = fit_classification(*reference, ("0", "1"), method="isotonic")
        raw = fit_classification(*reference, ("0", "1"), method="identity")
        for batch in range(3):
            scores, labels, predicted = _calibrated_binary(2000, 0.5 - 0.3 * batch, rng)
            realised = float(np.mean(labels == predicted))
            differences.append(abs(recalibrated.point(scores, predicted)["accuracy"] - realised)
                               - abs(raw.point(scores, predicted)["accuracy"] - realised))
    assert kept >= 5
    assert abs(np.mean(differences)) <= 0.002  # measured: +0.00013, against a sampling sd of about 0.01
    assert max(map(abs, differences)) < 0.01


def test_kept_raw_scores_still_carry_calibration_spread_in_the_band() -> None:
    rng = np.random.default_rng(18)
    estimator = fit_classification(*_calibrated_binary(5000, 1.0, rng), ("0", "1"), seed=0)
    assert estimator.calibrators.per_class[0].method == "identity"
    # the bootstrap refits the family the raw scores were tested against, not the identity
    assert {b.per_class[0].method for b in estimator.bootstrap} == {"isotonic"}
    sampling_only = ClassificationEstimator(estimator.classes, estimator.calibrators, (), estimator.spread)
    scores, _, predicted = _calibrated_binary(2000, 0.0, rng)
    band = estimator.estimate(scores, predicted)["accuracy"]
    narrow = sampling_only.estimate(scores, predicted)["accuracy"]
    assert band.value == narrow.value
    assert band.upper - band.lower > 1.1 * (narrow.upper - narrow.lower)


def _multiclass(n: int, shift: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, 2)) + np.array([shift, 0.0])
    logits = np.column_stack([2 * x[:, 0], 2 * x[:, 1], -x[:, 0] - x[:, 1]])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    labels = (rng.uniform(size=(n, 1)) > np.cumsum(p, axis=1)).sum(axis=1)
    return p, labels, p.argmax(axis=1)


def test_multiclass_estimates_follow_the_realised_metrics() -> None:
    rng = np.random.default_rng(7)
    estimator = fit_classification(*_multiclass(4000, 0.0, rng), ("a", "b", "c"))
    scores, labels, predicted = _multiclass(2000, 1.0, rng)
    estimates = estimator.estimate(scores, predicted)
    realised = realized_metrics(classification_counts(labels, predicted, scores, 3))
    assert set(estimates) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    for metric in ("accuracy", "f1", "roc_auc"):
        assert abs(estimates[metric].value - realised[metric]) < 0.03, metric


def test_estimates_are_deterministic_under_a_seed() -> None:
    args = _calibrated_binary(1000, 0.5, np.random.default_rng(1))
    first = fit_classification(*args, ("0", "1"), seed=4).estimate(args[0], args[2], seed=9)
    again = fit_classification(*args, ("0", "1"), seed=4).estimate(args[0], args[2], seed=9)
    assert first == again


def _regression(n: int, mean: float, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Errors grow with |x1| and in category "a": the reference spans the region the batches move into."""
    x1, colour = rng.normal(mean, 1.5, size=n), rng.choice(np.array(["a", "b"]), size=n)
    noise = rng.normal(size=n) * (0.3 + np.abs(x1)) * np.where(colour == "a", 1.5, 1.0)
    inputs = pd.DataFrame({"x1": x1, "colour": colour})
    return inputs, 2 * x1 + noise, 2 * x1


def test_dle_estimates_mae_and_rmse_as_the_error_grows() -> None:
    rng = np.random.default_rng(11)
    estimator = fit_regression(*_regression(4000, 0.0, rng), categorical=("colour",))
    errors, inside = [], 0
    for batch in range(4):
        inputs, y, predicted = _regression(1500, 0.4 * batch, rng)
        estimates = estimator.estimate(inputs, predicted)
        realised = regression_counts(y, predicted)
        mae = realized_metrics(realised)["mae"]
        errors.append(abs(estimates["mae"].value - mae) / mae)
        inside += estimates["mae"].lower <= mae <= estimates["mae"].upper
        last = estimates
    assert np.mean(errors) < 0.05
    assert inside >= 3
    assert estimator.spread.decide("mae", last["mae"].value, 1500).level == "drift"


def test_realised_counts_merge_to_the_direct_metrics() -> None:
    rng = np.random.default_rng(2)
    scores, labels, predicted = _calibrated_binary(1000, 0.3, rng)
    halves = [classification_counts(labels[s], predicted[s], scores[s], 2) for s in (slice(0, 400), slice(400, None))]
    merged = realized_metrics(merge_counts(halves[0], halves[1]))
    assert merged["accuracy"] == pytest.approx(np.mean(labels == predicted))
    assert merged["f1"] == pytest.approx(f1_score(labels, predicted))
    assert merged["roc_auc"] == pytest.approx(roc_auc_score(labels, scores[:, 1]), abs=2e-3)


def test_spread_decides_in_the_worse_direction_only() -> None:
    spread = ReferenceSpread({"accuracy": 0.9, "mae": 1.0}, {"accuracy": 0.5, "mae": 2.0})
    assert spread.decide("accuracy", 0.97, 1000).level == "ok"
    assert spread.decide("accuracy", 0.86, 1000).level == "warning"
    assert spread.decide("mae", 0.5, 1000).level == "ok"
    assert spread.decide("mae", 1.3, 1000).level == "drift"


def test_unsound_estimates_are_refused_with_a_reason() -> None:
    scores, labels, predicted = _calibrated_binary(50, 0.0, np.random.default_rng(0))
    with pytest.raises(EstimationUnsupported) as small:
        fit_classification(scores, labels, predicted, ("0", "1"))
    assert small.value.reason == "REFERENCE_TOO_SMALL"
    scores, _, predicted = _calibrated_binary(500, 0.0, np.random.default_rng(0))
    with pytest.raises(EstimationUnsupported) as single:
        fit_classification(scores, np.ones(500, dtype=int), predicted, ("0", "1"))
    assert single.value.reason == "SINGLE_CLASS_REFERENCE"
