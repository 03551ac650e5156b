"""Sequential error-stream detectors: chunking invariance, persistence, DDM's rule, warm start."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mlcube_nb.monitoring import DDM, BernoulliCusum, NormalScoreCusum


def ddm_loop(stream: np.ndarray, warm_start: int = 30) -> list[int]:
    """Gama et al.'s DDM written as the plain per-sample loop, as the reference implementation."""
    alarms, n, errors, p_min, s_min = [], 0, 0.0, math.inf, math.inf
    for i, x in enumerate(stream):
        n, errors = n + 1, errors + x
        p = errors / n
        s = math.sqrt(p * (1 - p) / n)
        if n > warm_start:
            if p + s <= p_min + s_min:
                p_min, s_min = p, s
            if p + s > p_min + 3 * s_min:
                alarms.append(i)
                n, errors, p_min, s_min = 0, 0.0, math.inf, math.inf
    return alarms


def feed(detector, stream: np.ndarray, chunks: int) -> list[int]:
    alarms, offset = [], 0
    for chunk in np.array_split(stream, chunks):
        alarms += [offset + i for i in detector.update(chunk).drift_indices]
        offset += chunk.size
    return alarms


@pytest.fixture
def stream() -> np.ndarray:
    rng = np.random.default_rng(5)
    rates = np.repeat([0.1, 0.35, 0.1, 0.4], 1500)
    return (rng.random(rates.size) < rates).astype(float)


def test_ddm_matches_the_per_sample_rule(stream: np.ndarray) -> None:
    expected = ddm_loop(stream)
    assert expected and feed(DDM(), stream, 1) == expected
    assert feed(DDM(), stream, 13) == expected


@pytest.mark.parametrize("make", [lambda: BernoulliCusum(p0=0.1), lambda: BernoulliCusum(), lambda: DDM()])
def test_alarms_do_not_depend_on_how_the_stream_is_chunked(make, stream: np.ndarray) -> None:
    assert feed(make(), stream, 1) == feed(make(), stream, 17)


def test_bernoulli_cusum_threshold_follows_alpha_and_horizon() -> None:
    detector = BernoulliCusum(p0=0.2, alpha=0.01, alpha_warning=0.05, horizon=1000)
    assert detector.drift_threshold == pytest.approx(math.log(1000 / 0.01))
    assert detector.warning_threshold == pytest.approx(math.log(1000 / 0.05))


def test_bernoulli_cusum_warm_start_estimates_p0() -> None:
    detector = BernoulliCusum(warm_start=100)
    first = detector.update(np.r_[np.ones(10), np.zeros(80)])
    assert first.n_seen == 0 and first.level == "ok"
    detector.update(np.zeros(20))
    assert detector.to_dict()["rate"] == pytest.approx(11 / 102)


def test_warning_comes_before_drift() -> None:
    rng = np.random.default_rng(3)
    result = BernoulliCusum(p0=0.1).update(rng.random(3000) < np.where(np.arange(3000) < 1000, 0.1, 0.25))
    assert result.warning_index is not None and result.drift_indices
    assert 1000 <= result.warning_index <= result.drift_indices[0]
    assert result.level == "drift" and result.drift_threshold > result.warning_threshold


@pytest.mark.parametrize(
    "make",
    [
        lambda: BernoulliCusum(p0=0.1),
        lambda: DDM(),
        lambda: NormalScoreCusum(np.random.default_rng(0).normal(size=500)),
    ],
)
def test_state_round_trips_through_json(make) -> None:
    rng = np.random.default_rng(8)
    first, second = make(), make()
    data = (
        (rng.random(700) < 0.2).astype(float)
        if not isinstance(first, NormalScoreCusum)
        else rng.normal(size=700)
    )
    first.update(data[:400])
    second.update(data[:400])
    restored = type(first).from_dict(json.loads(json.dumps(first.to_dict())))
    assert restored.update(data[400:]) == second.update(data[400:])


def test_normal_score_cusum_watches_both_directions_by_default() -> None:
    rng = np.random.default_rng(4)
    reference = rng.normal(size=3000)
    assert NormalScoreCusum(reference).update(rng.normal(-1.0, 1.0, 500)).level == "drift"
    assert NormalScoreCusum(reference, direction="increase").update(rng.normal(-1.0, 1.0, 500)).level == "ok"


@pytest.mark.parametrize("bad", [{"alpha": 0.1, "alpha_warning": 0.05}, {"horizon": 0}, {"p0": 1.5}])
def test_invalid_parameters_are_refused(bad: dict) -> None:
    with pytest.raises((ValueError, TypeError)):
        BernoulliCusum(**bad)


def test_non_binary_errors_are_refused() -> None:
    with pytest.raises(ValueError, match="only 0"):
        DDM().update([0, 1, 2])
