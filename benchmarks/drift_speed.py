"""Speed of one production-batch drift analysis: mlcube_nb vs Evidently vs NannyML.

For each size n in (10k, 100k, 1M) a reference and a production batch of n rows x 25 columns
(20 numeric, 5 categorical) are generated once and given, identical, to the three tools:

* mlcube_nb: ``summarise_reference`` is prepared once (timed apart), then
  ``analyse_batch(reference, batch, n_jobs=2)`` is timed: KS / chi-square per column,
  PSI / Jensen-Shannon / Wasserstein magnitudes, Holm per target and the QuantTree test.
* Evidently: ``Report([DataDriftPreset()]).run(current, reference)`` (it has no separate
  preparation step, so the whole run is timed).
* NannyML: ``UnivariateDriftCalculator``, one chunk per batch, twice: with its default
  methods (Jensen-Shannon for both kinds) and with KS / chi2 like ours; ``fit(reference)``
  is done beforehand and only ``calculate(batch)`` is timed.

Run from the peers venv (see benchmarks/README.md): ``python benchmarks/drift_speed.py``.
Use ``--sizes 10000 100000`` to skip the 1M rows (Evidently takes minutes there).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from mlcube_nb.monitoring import analyse_batch, summarise_reference

# The peers send usage analytics by default; there is no network here, and none is wanted.
os.environ.update({"NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1", "EVIDENTLY_DISABLE_TELEMETRY": "1"})

NUMERIC = [f"num_{i:02d}" for i in range(20)]
CATEGORICAL = [f"cat_{i}" for i in range(5)]


def make_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """20 numeric columns of mixed shapes and 5 categorical columns with 3 to 11 levels."""
    data: dict[str, np.ndarray] = {}
    for i, name in enumerate(NUMERIC):
        shape = i % 4
        if shape == 0:
            data[name] = rng.normal(i, 1.0 + i / 10, n)
        elif shape == 1:
            data[name] = rng.lognormal(0.0, 0.5, n)
        elif shape == 2:
            data[name] = rng.exponential(2.0, n)
        else:
            data[name] = rng.poisson(5, n).astype(np.float64)
    for j, name in enumerate(CATEGORICAL):
        levels = np.array([f"level_{k}" for k in range(3 + 2 * j)])
        probabilities = np.random.default_rng(j).dirichlet(np.ones(levels.size) * 3)  # fixed per column
        data[name] = rng.choice(levels, n, p=probabilities)
    return pd.DataFrame(data)


def best_of(function: Callable[[], object], repeats: int) -> float:
    """Smallest wall time over ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def time_ours(reference: pd.DataFrame, batch: pd.DataFrame, repeats: int) -> tuple[float, float]:
    start = time.perf_counter()
    summary = summarise_reference(reference, NUMERIC, CATEGORICAL, n_jobs=2)
    prepare = time.perf_counter() - start
    return prepare, best_of(lambda: analyse_batch(summary, batch, n_jobs=2), repeats)


def time_evidently(reference: pd.DataFrame, batch: pd.DataFrame) -> float:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)
    current = Dataset.from_pandas(batch, data_definition=definition)
    ref = Dataset.from_pandas(reference, data_definition=definition)
    return best_of(lambda: Report([DataDriftPreset()]).run(current, ref), 1)


def time_nannyml(reference: pd.DataFrame, batch: pd.DataFrame, methods: dict[str, list[str]]) -> float:
    import nannyml as nml

    calculator = nml.UnivariateDriftCalculator(
        column_names=NUMERIC + CATEGORICAL, treat_as_categorical=CATEGORICAL, chunk_size=len(batch), **methods
    )
    calculator.fit(reference)
    return best_of(lambda: calculator.calculate(batch), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3, help="runs of ours; the best is kept")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print(f"{'rows':>9} | {'ours prep s':>11} | {'ours s':>7} | {'Evidently s':>11} | {'NML JS s':>8} "
          f"| {'NML KS s':>8} | {'x Evidently':>11} | {'x NML JS':>8} | {'x NML KS':>8}")
    print("-" * 108)
    for n in args.sizes:
        rng = np.random.default_rng(n)
        reference, batch = make_frame(n, rng), make_frame(n, rng)
        prepare, ours = time_ours(reference, batch, args.repeats)
        evidently = time_evidently(reference, batch)
        nml_js = time_nannyml(reference, batch, {})
        nml_ks = time_nannyml(
            reference, batch, {"continuous_methods": ["kolmogorov_smirnov"], "categorical_methods": ["chi2"]}
        )
        print(f"{n:>9,} | {prepare:>11.3f} | {ours:>7.3f} | {evidently:>11.2f} | {nml_js:>8.2f} "
              f"| {nml_ks:>8.2f} | {evidently / ours:>11.0f} | {nml_js / ours:>8.1f} | {nml_ks / ours:>8.1f}",
              flush=True)


if __name__ == "__main__":
    main()
