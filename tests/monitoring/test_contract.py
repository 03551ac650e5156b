"""Contract every registered detector must meet: α-bounded false alarms, power, determinism.

Each registered spec is exercised through one adapter per kind and data type: a stationary
trial (reference and batch from the same distribution) and a shifted one. The false-alarm count
over ``TRIALS`` stationary trials must not exceed the 99.9 % quantile of Binomial(TRIALS, α).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

from mlcube_nb.monitoring import REGISTRY, CategoricalSummary, NumericSummary, QuantTreePartition
from mlcube_nb.monitoring.registry_spec import DetectorSpec

TRIALS = 300
ALPHA = 0.05  # a larger α than the default makes the binomial check sharper with few trials


def _numeric(spec: DetectorSpec, rng: np.random.Generator, shift: float) -> bool:
    ref = NumericSummary.from_reference(rng.normal(size=400))
    return spec.function(ref, ref.summarise(rng.normal(shift, 1.0, size=300))).p_value <= ALPHA


def _categorical(spec: DetectorSpec, rng: np.random.Generator, shift: float) -> bool:
    base = np.array([0.4, 0.3, 0.2, 0.1])
    moved = base + shift * np.array([-1.0, 0.0, 0.0, 1.0])
    ref = CategoricalSummary.from_values(rng.choice(list("abcd"), 400, p=base))
    batch = CategoricalSummary.from_values(rng.choice(list("abcd"), 300, p=moved))
    return spec.function(ref, batch).p_value <= ALPHA


def _mixed(spec: DetectorSpec, rng: np.random.Generator, shift: float) -> bool:
    def rows(n: int, s: float) -> np.ndarray:
        return np.column_stack(
            (rng.normal(s, 1, n), rng.normal(size=n), rng.integers(0, 3, n), rng.poisson(2, n))
        )

    partition = QuantTreePartition.fit(rows(800, 0.0), n_bins=8, rng=rng)
    counts = partition.bin_counts(rows(300, shift), rng=rng)
    return spec.function(partition, counts, n_simulations=499, rng=rng).p_value <= ALPHA


def _binary_error(spec: DetectorSpec, rng: np.random.Generator, shift: float) -> bool:
    kwargs = (
        {"p0": 0.1, "alpha": ALPHA, "alpha_warning": 0.1, "horizon": 1000} if spec.alpha_controlled else {}
    )
    detector = spec.function(**kwargs)
    stream = rng.random(1000) < np.where(np.arange(1000) < 500, 0.1, 0.1 + shift)
    return detector.update(stream).level == "drift"


def _real_error(spec: DetectorSpec, rng: np.random.Generator, shift: float) -> bool:
    detector = spec.function(np.abs(rng.normal(size=2000)), alpha=ALPHA, alpha_warning=0.1, horizon=1000)
    stream = np.abs(rng.normal(size=1000)) + np.where(np.arange(1000) < 500, 0.0, shift)
    return detector.update(stream).level == "drift"


ADAPTERS: dict[str, Callable[[DetectorSpec, np.random.Generator, float], bool]] = {
    "numeric": _numeric,
    "categorical": _categorical,
    "mixed": _mixed,
    "binary_error": _binary_error,
    "real_error": _real_error,
}
SHIFTS = {"numeric": 1.0, "categorical": 0.15, "mixed": 3.0, "binary_error": 0.3, "real_error": 1.0}
# A multivariate test is exercised on mixed rows (continuous, categorical codes, ties) only.
CASES = [
    (spec, kind)
    for spec in REGISTRY.values()
    for kind in (("mixed",) if spec.kind == "multivariate" else spec.data_types)
]
IDS = [f"{spec.name}-{kind}" for spec, kind in CASES]
CONTROLLED = [(c, i) for c, i in zip(CASES, IDS, strict=True) if c[0].alpha_controlled]


def test_every_registered_detector_is_exercised() -> None:
    assert {spec.name for spec, _ in CASES} == set(REGISTRY)


@pytest.mark.parametrize(("spec", "kind"), [c for c, _ in CONTROLLED], ids=[i for _, i in CONTROLLED])
def test_stationary_false_alarm_rate_is_within_a_binomial_bound(spec: DetectorSpec, kind: str) -> None:
    rng = np.random.default_rng(11)
    alarms = sum(ADAPTERS[kind](spec, rng, 0.0) for _ in range(TRIALS))
    assert alarms <= stats.binom.ppf(0.999, TRIALS, ALPHA)


@pytest.mark.parametrize(("spec", "kind"), CASES, ids=IDS)
def test_an_obvious_shift_is_detected(spec: DetectorSpec, kind: str) -> None:
    rng = np.random.default_rng(12)
    detected = sum(ADAPTERS[kind](spec, rng, SHIFTS[kind]) for _ in range(20))
    assert detected >= 19


@pytest.mark.parametrize(("spec", "kind"), CASES, ids=IDS)
def test_results_are_deterministic_under_a_seed(spec: DetectorSpec, kind: str) -> None:
    first = [ADAPTERS[kind](spec, np.random.default_rng(13), s) for s in (0.0, SHIFTS[kind] / 3)]
    second = [ADAPTERS[kind](spec, np.random.default_rng(13), s) for s in (0.0, SHIFTS[kind] / 3)]
    assert first == second


def test_ddm_declares_its_false_alarm_rate_uncontrolled() -> None:
    # DDM's levels are heuristic: on 500 stable samples it false-alarms far more often than 5 %.
    assert not REGISTRY["ddm"].alpha_controlled
    assert REGISTRY["ddm"].default_threshold == 3.0
