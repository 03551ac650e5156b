"""Text, image, probabilistic and evaluation metrics, with golden values from scipy where possible."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mlcube_nb.monitoring import evaluation_classification as ec
from mlcube_nb.monitoring import evaluation_regression as er
from mlcube_nb.monitoring import image_metrics as im
from mlcube_nb.monitoring import probabilistic as pm
from mlcube_nb.monitoring import text_metrics as tm


def test_text_sentiment_handles_negation_intensifiers_and_languages() -> None:
    assert tm.sentiment_score("very good") > tm.sentiment_score("good") > 0
    assert tm.sentiment_score("not good") < 0 < tm.sentiment_score("not bad")
    assert tm.text_sentiment(["I don't like it"]) == ["negative"]
    assert tm.text_sentiment(["servizio gentile e veloce", "è stato un disastro"], "italian") == [
        "POSITIVE",
        "NEGATIVE",
    ]
    assert tm.text_sentiment(["great", "pessimo"], "multilanguage") == ["positive", "negative"]
    with pytest.raises(ValueError, match="language"):
        tm.sentiment_score("ok", "french")  # type: ignore[arg-type]


def test_image_metrics_on_synthetic_images() -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    smooth = np.repeat(np.tile(np.linspace(0, 1, 64), (64, 1))[:, :, None], 3, axis=2)
    assert im.image_brightness(np.full((4, 4), 200, dtype=np.uint8)) == 200.0
    assert im.image_brightness(smooth) == pytest.approx(127.5)
    assert im.image_focus(noise) > 100 * max(im.image_focus(smooth), 1e-9)
    assert im.image_blur(noise) < 0.3 < 0.9 < im.image_blur(smooth) <= 1.0
    grey = im.to_grey(noise)
    assert im.image_contrast(noise, "rms") == pytest.approx(grey.std())
    p10, p90 = np.percentile(grey, [10, 90])
    assert im.image_contrast(noise, "michelson") == pytest.approx((p90 - p10) / (p90 + p10))
    assert 0 < im.image_contrast(noise, "histogram_spread") < 1
    assert im.image_contrast(np.zeros((4, 4)), "histogram_flatness") == 0.0


def test_probabilistic_metrics_match_scipy() -> None:
    rng = np.random.default_rng(1)
    y, mean, std = rng.normal(size=20), rng.normal(size=20), rng.uniform(0.5, 2.0, 20)
    np.testing.assert_allclose(pm.gaussian_log_likelihood(y, mean, std), stats.norm.logpdf(y, mean, std))
    np.testing.assert_allclose(pm.gaussian_entropy(std), stats.norm(0, std).entropy())
    probs = rng.dirichlet(np.ones(4), size=10)
    np.testing.assert_allclose(pm.categorical_entropy(probs), stats.entropy(probs, axis=1))
    with pytest.raises(ValueError, match="sum to 1"):
        pm.categorical_entropy([[0.5, 0.6]])


def test_roc_auc_matches_mann_whitney_and_ovr_macro() -> None:
    rng = np.random.default_rng(2)
    y, s = rng.integers(0, 2, 300), rng.normal(size=300)
    s = s + y * 0.8
    u = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert ec.roc_auc(y, s) == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))
    labels, probs = rng.integers(0, 3, 200), rng.dirichlet(np.ones(3), size=200)
    per_class = [ec.roc_auc(labels == k, probs[:, k], positive=True) for k in range(3)]
    assert ec.roc_auc(labels, probs) == pytest.approx(np.mean(per_class))


def test_classification_metrics_by_hand() -> None:
    y, p = np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 0, 2])
    precision, recall, f1 = ec.precision_recall_f1(y, p)
    assert (precision, recall) == pytest.approx(((0.5 + 2 / 3 + 1) / 3, (0.5 + 2 / 3 + 1) / 3))
    assert f1 == pytest.approx((0.5 + 2 / 3 + 1) / 3)
    assert ec.balanced_accuracy(y, p) == pytest.approx((0.5 + 2 / 3 + 1) / 3)
    multilabel_true, multilabel_pred = np.array([[1, 0], [1, 1]]), np.array([[1, 0], [0, 1]])
    assert ec.accuracy(multilabel_true, multilabel_pred) == 0.5
    assert ec.precision_recall_f1(multilabel_true, multilabel_pred) == pytest.approx((1.0, 0.75, 5 / 6))
    assert ec.log_loss([0, 2], [[0.8, 0.1, 0.1], [0.2, 0.2, 0.6]]) == pytest.approx(
        -(np.log(0.8) + np.log(0.6)) / 2
    )
    assert ec.fpr_at_tpr([0, 0, 0, 1, 1], [0.1, 0.6, 0.3, 0.5, 0.9], tpr=1.0) == pytest.approx(1 / 3)


def test_regression_metrics_by_hand() -> None:
    y, p = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 3.0])
    assert er.mae(y, p) == pytest.approx(2 / 3)
    assert er.rmse(y, p) == pytest.approx(np.sqrt(2 / 3))
    assert er.mape(y, p) == pytest.approx((1 + 0 + 0.25) / 3)
    assert er.r_squared(y, p) == pytest.approx(1 - 2 / np.sum((y - y.mean()) ** 2))
    with pytest.raises(ValueError, match="one shape"):
        er.mae([1.0], [1.0, 2.0])
