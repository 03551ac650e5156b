"""Quality of drift decisions: false DRIFT rate, first-batch detection, detection delay.

Three experiments on identical data for every tool (25 columns: 20 numeric, 5 categorical,
as in drift_speed.py; reference of 10,000 rows; batches of 1,000 rows):

1. Stationary stream, 200 batches: share of batches flagged as drift. Ours: the INPUT target's
   DRIFT (Holm at alpha = 0.01 over 25 columns + QuantTree). Evidently: the preset's dataset
   drift (share of drifted columns >= 0.5) and, stricter, any drifted column. NannyML: any
   univariate alert (default Jensen-Shannon with thresholds from 10 reference chunks).
2. Shifted streams, first batch after the change, 100 batches each: (a) +0.5 sd mean shift in
   3 numeric columns; (b) one categorical level's probability moved by +0.1.
3. Classification error stream, 200 streams: error rate 0.10 for 5,000 samples then 0.20.
   Detection delay (samples after the change) and pre-change false alarms for our Bernoulli
   CUSUM (p0 = 0.10 from the reference, alpha = 0.01 over 10,000 samples), our DDM and
   River's DDM. The same on *bursty* errors (a thresholded latent AR(1), phi = 0.9, same rates),
   where our CUSUM is shown with the i.i.d. bound and calibrated on the reference's first 5,000
   errors (thresholds times their long-run variance ratio, ``calibration.stream_inflation``).
4. A 0.25 sd mean shift in 1 of the 25 columns, 1,000-row batches, 5,000-row reference: first-batch
   detection over 300 batches (30 references, 10 batches each; ours is calibrated on each).
5. Autocorrelated, seasonal, stationary stream (``streams.py``: AR(1) phi = 0.95 plus a 24-row
   daily cycle per numeric column, sticky categorical regimes), 10,000-row reference followed by
   100 contiguous 1,000-row batches of the same stream: share of batches flagged. Then 30 fresh
   streams whose first two batches after the reference carry a level shift of 1.5 marginal sd
   in one numeric column: share of streams flagged within those two batches.

Ours appears three times: calibrated on the reference's own chunks (the default since issue 12),
each batch decided alone; the same with the carry the server keeps between consecutive batches of a
stream (``analyse_batch(..., carry=...)``: a column WARNING in two consecutive batches in the same
direction is tested on both, ``mlcube_nb.monitoring.carry``), reset before every first batch of
experiments 2 and 4 and before every fresh stream; and with ``calibrate=False`` (the i.i.d. tests
alone, as before). Stationary batches are fed in their order, so the carry runs through them.

Run from the peers venv (see benchmarks/README.md): ``python benchmarks/drift_quality.py``.
Subsets (same data, the random draws of skipped experiments are replayed): ``--only iid small ar
errors`` and ``--ours-only`` (no Evidently / NannyML rows).
"""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from drift_speed import CATEGORICAL, NUMERIC, make_frame
from streams import ar_frame, bursty_errors

from mlcube_nb.monitoring import DDM, BernoulliCusum, analyse_batch, summarise_reference
from mlcube_nb.monitoring.calibration import stream_inflation

os.environ.update({"NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1", "EVIDENTLY_DISABLE_TELEMETRY": "1"})

BATCH = 1_000
Detector = Callable[[pd.DataFrame], bool]


def shift_numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Add half a standard deviation to three numeric columns."""
    out = frame.copy()
    for column in NUMERIC[:3]:
        out[column] = out[column] + 0.5 * out[column].std()
    return out


def shift_categorical(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Move 0.1 of probability mass onto the first level of the first categorical column."""
    out = frame.copy()
    column = CATEGORICAL[0]
    counts = out[column].value_counts(normalize=True)
    target = counts.index[0]
    others = np.flatnonzero(out[column].to_numpy() != target)
    chosen = rng.choice(others, size=int(0.1 * len(out)), replace=False)
    out.loc[out.index[chosen], column] = target
    return out


def ours(reference: pd.DataFrame, calibrate: bool = True) -> Detector:
    summary = summarise_reference(reference, NUMERIC, CATEGORICAL, calibrate=calibrate)
    return lambda batch: analyse_batch(summary, batch, alpha=0.01).targets["input"].level == "drift"


class Carried:
    """Ours calibrated, with the carry between consecutive batches that the server keeps in the model's state."""

    def __init__(self, reference: pd.DataFrame) -> None:
        self.summary = summarise_reference(reference, NUMERIC, CATEGORICAL)
        self.carry: dict = {}

    def reset(self) -> None:
        self.carry = {}

    def __call__(self, batch: pd.DataFrame) -> bool:
        result = analyse_batch(self.summary, batch, alpha=0.01, carry=self.carry)
        self.carry = {k: dict(v) for k, v in result.carry.items() if v}
        return result.targets["input"].level == "drift"


def first_batch(detector: Detector) -> Detector:
    """The detector on a first batch after the reference: a carried detector forgets the previous batch."""
    def decide(batch: pd.DataFrame) -> bool:
        if isinstance(detector, Carried):
            detector.reset()
        return detector(batch)
    return decide


def evidently(reference: pd.DataFrame) -> tuple[Detector, Detector]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)
    ref = Dataset.from_pandas(reference, data_definition=definition)

    shares: dict[int, float] = {}  # one Evidently run per batch serves both decisions

    def share(batch: pd.DataFrame) -> float:
        if id(batch) not in shares:
            current = Dataset.from_pandas(batch, data_definition=definition)
            metrics = Report([DataDriftPreset()]).run(current, ref).dict()["metrics"]
            metric = next(m for m in metrics if m["metric_name"].startswith("DriftedColumnsCount"))
            shares[id(batch)] = float(metric["value"]["share"])
        return shares[id(batch)]

    return (lambda b: share(b) >= 0.5), (lambda b: share(b) > 0)


def nannyml(reference: pd.DataFrame) -> Detector:
    import nannyml as nml

    calculator = nml.UnivariateDriftCalculator(
        column_names=NUMERIC + CATEGORICAL, treat_as_categorical=CATEGORICAL, chunk_size=BATCH
    )
    calculator.fit(reference)

    def alerts(batch: pd.DataFrame) -> bool:
        table = calculator.calculate(batch).filter(period="analysis").to_df()
        columns = [c for c in table.columns if c[-1] == "alert"]
        return bool(table[columns].to_numpy().any())

    return alerts


def rate(detector: Detector, batches: list[pd.DataFrame]) -> float:
    return float(np.mean([detector(batch) for batch in batches]))


def error_stream_delays(streams: int) -> dict[str, tuple[float, float, float]]:
    """Median delay, detection share and pre-change false-alarm share per detector (i.i.d. and bursty errors)."""
    from river.drift.binary import DDM as RiverDDM

    results: dict[str, list[tuple[int | None, bool]]] = {}
    change, length = 5_000, 10_000
    rates = np.where(np.arange(length + change) < 2 * change, 0.1, 0.2)
    for seed in range(streams):
        rng = np.random.default_rng(seed)
        iid = (rng.random(length) < rates[change:]).astype(int)
        bursty = bursty_errors(length + change, rates, rng)
        reference, stream = bursty[:change], bursty[change:]
        for name, alarms in (
            ("ours: Bernoulli CUSUM", BernoulliCusum(p0=0.1).update(iid).drift_indices),
            ("ours: DDM", DDM().update(iid).drift_indices),
            ("River DDM", _river_alarms(RiverDDM(), iid)),
            ("bursty: CUSUM i.i.d.", BernoulliCusum(p0=0.1).update(stream).drift_indices),
            ("bursty: CUSUM calibr.",
             BernoulliCusum(p0=0.1, inflation=stream_inflation(reference)).update(stream).drift_indices),
            ("bursty: River DDM", _river_alarms(RiverDDM(), stream)),
        ):
            after = [a for a in alarms if a >= change]
            results.setdefault(name, []).append((after[0] - change if after else None,
                                                 any(a < change for a in alarms)))
    summary = {}
    for name, rows in results.items():
        delays = [d for d, _ in rows if d is not None]
        summary[name] = (float(np.median(delays)) if delays else float("nan"), len(delays) / streams,
                         float(np.mean([fa for _, fa in rows])))
    return summary


def small_shift_detection(rng: np.random.Generator, references: int = 30, per_reference: int = 10,
                          run: bool = True) -> float:
    """Experiment 4: 0.25 sd in 1 of 25 columns, 5,000-row references, first-batch DRIFT share (ours).

    With ``run=False`` only the random draws are made (a subset run replays them).
    """
    hits = []
    for _ in range(references):
        reference = make_frame(5_000, rng)
        detect = ours(reference) if run else None
        for _ in range(per_reference):
            batch = make_frame(BATCH, rng)
            batch[NUMERIC[0]] = batch[NUMERIC[0]] + 0.25 * batch[NUMERIC[0]].std()
            if detect is not None:
                hits.append(detect(batch))
    return float(np.mean(hits)) if hits else float("nan")


def _ar_tools(reference: pd.DataFrame, peers: bool) -> dict[str, Detector]:
    tools: dict[str, Detector] = {"ours calibrated": ours(reference), "ours calibrated + carry": Carried(reference),
                                  "ours i.i.d. (before)": ours(reference, calibrate=False)}
    if peers:
        evidently_dataset, evidently_any = evidently(reference)
        tools |= {"Evidently dataset drift": evidently_dataset, "Evidently any column": evidently_any,
                  "NannyML any alert": nannyml(reference)}
    return tools


def autocorrelated(rng: np.random.Generator, batches: int, shifted_streams: int, peers: bool = True) -> None:
    """Experiment 5: false DRIFT on a stationary AR stream and a 1.5 sd level shift within two batches."""
    stream = ar_frame(10_000 + batches * BATCH, rng, NUMERIC, CATEGORICAL)
    reference = stream.iloc[:10_000].reset_index(drop=True)
    quiet = [stream.iloc[10_000 + i * BATCH:10_000 + (i + 1) * BATCH].reset_index(drop=True) for i in range(batches)]
    tools = _ar_tools(reference, peers)
    false = {name: rate(detector, quiet) for name, detector in tools.items()}
    within_two: dict[str, list[bool]] = {name: [] for name in tools}
    for _ in range(shifted_streams):
        stream = ar_frame(10_000 + 2 * BATCH, rng, NUMERIC, CATEGORICAL)
        reference = stream.iloc[:10_000].reset_index(drop=True)
        sd = float(reference[NUMERIC[0]].std())
        shifted = [stream.iloc[10_000 + i * BATCH:10_000 + (i + 1) * BATCH].reset_index(drop=True) for i in (0, 1)]
        for batch in shifted:
            batch[NUMERIC[0]] = batch[NUMERIC[0]] + 1.5 * sd
        for name, detector in _ar_tools(reference, peers).items():
            within_two[name].append(any(detector(b) for b in shifted))
    print(f"{'AR(1) 0.95 + daily cycle':<32} | {'false DRIFT, stationary':>23} "
          f"| {'1.5 sd shift in 1 col, <= 2 batches':>36}")
    print("-" * 98)
    for name in tools:
        print(f"{name:<32} | {false[name]:>23.3f} | {np.mean(within_two[name]):>36.3f}", flush=True)


def _river_alarms(detector: object, stream: np.ndarray) -> list[int]:
    alarms = []
    for i, x in enumerate(stream):
        detector.update(int(x))
        if detector.drift_detected:
            alarms.append(i)
    return alarms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stationary", type=int, default=200)
    parser.add_argument("--shifted", type=int, default=100)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--ar-batches", type=int, default=100)
    parser.add_argument("--ar-shifted", type=int, default=30)
    parser.add_argument("--only", nargs="+", choices=("iid", "small", "ar", "errors"),
                        default=["iid", "small", "ar", "errors"],
                        help="experiments to run (1-2, 4, 5, 3); the draws of skipped ones are replayed")
    parser.add_argument("--ours-only", action="store_true", help="leave out the Evidently and NannyML rows")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(2024)
    reference = make_frame(10_000, rng)
    stationary = [make_frame(BATCH, rng) for _ in range(args.stationary)]
    numeric_shift = [shift_numeric(make_frame(BATCH, rng)) for _ in range(args.shifted)]
    categorical_shift = [shift_categorical(make_frame(BATCH, rng), rng) for _ in range(args.shifted)]
    if "iid" in args.only:
        tools: dict[str, Detector] = {"ours calibrated (Holm a=0.01)": ours(reference),
                                      "ours calibrated + carry": Carried(reference),
                                      "ours i.i.d. (before)": ours(reference, calibrate=False)}
        if not args.ours_only:
            evidently_dataset, evidently_any = evidently(reference)
            tools |= {"Evidently dataset drift": evidently_dataset, "Evidently any column drift": evidently_any,
                      "NannyML any alert": nannyml(reference)}
        print(f"{'tool':<32} | {'false DRIFT, stationary':>23} | {'detected: 3 num +0.5sd':>22} "
              f"| {'detected: cat +0.1':>18}")
        print("-" * 106)
        for name, detector in tools.items():
            print(f"{name:<32} | {rate(detector, stationary):>23.3f} "
                  f"| {rate(first_batch(detector), numeric_shift):>22.3f} "
                  f"| {rate(first_batch(detector), categorical_shift):>18.3f}", flush=True)
    small = small_shift_detection(rng, run="small" in args.only)
    if "small" in args.only:
        print(f"\nours calibrated, 0.25 sd in 1 of 25 columns (5,000-row references), first-batch detection: "
              f"{small:.3f}\n", flush=True)
    if "ar" in args.only:
        autocorrelated(rng, args.ar_batches, args.ar_shifted, peers=not args.ours_only)
    if "errors" in args.only:
        print()
        print(f"{'error-stream detector':<24} | {'median delay':>12} | {'detected':>8} "
              f"| {'false alarm before change':>25}")
        print("-" * 80)
        for name, (delay, detected, false_alarm) in error_stream_delays(args.streams).items():
            print(f"{name:<24} | {delay:>12.0f} | {detected:>8.3f} | {false_alarm:>25.3f}")


if __name__ == "__main__":
    main()
