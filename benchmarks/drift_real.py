"""Drift decisions on real, time-stamped data: mlcube_nb vs NannyML vs Evidently, same batches.

Every dataset ships inside a package installed in the peers venv (nothing generated, nothing
downloaded at run time). The protocol below was written before any result was looked at.

Datasets, reference, batches and the periods that score:

1. ``seattle-temps`` (vega-datasets): hourly air temperature at Seattle, 2010 (8,759 rows; one
   numeric column). Reference: the four weeks 2010-01-01 .. 01-28 (672 rows). Batches: the
   following calendar weeks (168 rows), the issue's setting. No change: the four weeks from
   01-29 to 02-25 (same season: NOAA's 1981–2010 daily-mean normals of February are within
   about 2 °F of January's). Documented change: summer, the weeks starting 06-21 .. 09-16
   (normals about 20 °F above January's, several times the January hourly spread); the change
   is detected when a batch of that period is DRIFT, the delay counts batches from 06-21.
2. ``sf-temps`` (vega-datasets): hourly air temperature at San Francisco, 2010; same reference,
   batches and no-change weeks. Documented change: September, San Francisco's warmest month
   (normals about 10 °F above January's), the weeks starting 09-02 .. 09-30.
3. ``sp500`` (river's ``SP500Stocks``): daily returns (%) of ten large US stocks, 2013-02-11 .. 2018-02-06
   (1,258 trading days; ten numeric columns). Reference: 2013-03-01 .. 2014-12-31 (about 460
   days). Batches: calendar months (about 21 days). No change: 2015-01 .. 2015-07. Documented
   changes: the August 2015 sell-off (24 August 2015 "flash crash", VIX from 13 to above 40),
   batches 2015-08 .. 2015-09; and the January 2016 sell-off (worst start of a year for US
   stocks, VIX near 28), batches 2016-01 .. 2016-02. Each counts as detected when one of its
   batches is DRIFT; the delay is in months from its first batch.
4. ``seattle-weather`` (vega-datasets): daily weather at Seattle 2012–2015 (precipitation,
   maximum and minimum temperature, wind, a categorical weather label). Reference: the whole
   of 2012 (366 days, every season). Batches: calendar months. No change: every month of 2013
   and 2014 (24 batches: the same climate, each month compared with a whole reference year).
   No change is documented here; the dataset scores false alarms only.

Decisions per batch (no status machine, no carry-over):

* ours: ``analyse_batch(summarise_reference(reference, ...), batch)``: the INPUT target is
  DRIFT (calibrated on the reference's own chunks, the default), and the same with
  ``calibrate=False`` (the i.i.d. tests alone, what was shipped before issue 12);
* NannyML: ``UnivariateDriftCalculator`` with its default methods (Jensen–Shannon) and its
  default thresholds (mean ± 3 sd of the reference chunks), ``chunk_size`` = batch size, fitted
  on the reference: a batch alarms when any column alerts;
* Evidently: ``Report([DataDriftPreset()])`` with its defaults: the batch alarms when the preset's
  dataset drift fires (share of drifted columns >= 0.5).

Printed: per dataset and tool the false DRIFT share over the no-change batches, and per
documented change the delay in batches (``-`` = not detected), then the pooled false DRIFT
share over all no-change batches. Run from the peers venv: ``python benchmarks/drift_real.py``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlcube_nb.monitoring import analyse_batch, summarise_reference

os.environ.update({"NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1", "EVIDENTLY_DISABLE_TELEMETRY": "1"})
Decide = Callable[[pd.DataFrame], bool]


@dataclass
class Case:
    """One dataset cut into a reference and labelled batches."""

    name: str
    numeric: list[str]
    categorical: list[str]
    reference: pd.DataFrame
    batches: list[tuple[str, pd.DataFrame]]  # (label, rows)
    no_change: set[str]
    changes: dict[str, list[str]]  # change name -> its batch labels, in order


def _weekly(frame: pd.DataFrame, start: str) -> list[tuple[str, pd.DataFrame]]:
    """Consecutive 7-day batches from ``start`` (labelled by their first day); a partial last week is dropped."""
    out, day = [], pd.Timestamp(start)
    while True:
        rows = frame[(frame["date"] >= day) & (frame["date"] < day + pd.Timedelta(days=7))]
        if len(rows) < 160:
            return out
        out.append((day.strftime("%m-%d"), rows))
        day += pd.Timedelta(days=7)


def _monthly(frame: pd.DataFrame, first: str, last: str) -> list[tuple[str, pd.DataFrame]]:
    months = pd.period_range(first, last, freq="M")
    return [(str(m), frame[frame["date"].dt.to_period("M") == m]) for m in months]


def temperature_case(name: str, frame: pd.DataFrame, change: tuple[str, str]) -> Case:
    frame = frame.sort_values("date").reset_index(drop=True)
    reference = frame[frame["date"] < "2010-01-29"]
    batches = _weekly(frame, "2010-01-29")
    labels = [label for label, _ in batches]
    no_change = {label for label in labels if "01-29" <= label <= "02-19"}
    in_change = [label for label in labels if change[0] <= label <= change[1]]
    return Case(name, ["temp"], [], reference, batches, no_change, {f"{name} change": in_change})


def sp500_case() -> Case:
    from pathlib import Path

    import river.datasets

    path = Path(river.datasets.__file__).parent / "sp500.csv.gz"  # river's SP500Stocks file
    frame = pd.read_csv(path, parse_dates=["date"]).sort_values("date").reset_index(drop=True)
    numeric = [c for c in frame.columns if c not in ("date", "next_day_return")]
    reference = frame[(frame["date"] >= "2013-03-01") & (frame["date"] <= "2014-12-31")]
    batches = _monthly(frame, "2015-01", "2016-02")
    return Case("sp500", numeric, [], reference, batches, {f"2015-0{m}" for m in range(1, 8)},
                {"2015-08 sell-off": ["2015-08", "2015-09"], "2016-01 sell-off": ["2016-01", "2016-02"]})


def weather_case() -> Case:
    from vega_datasets import local_data

    frame = local_data.seattle_weather().sort_values("date").reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"])
    reference = frame[frame["date"].dt.year == 2012]
    batches = _monthly(frame, "2013-01", "2014-12")
    return Case("seattle-weather", ["precipitation", "temp_max", "temp_min", "wind"], ["weather"], reference,
                batches, {label for label, _ in batches}, {})


def cases() -> list[Case]:
    from vega_datasets import local_data

    seattle, sf = local_data.seattle_temps(), local_data.sf_temps()
    for frame in (seattle, sf):
        frame["date"] = pd.to_datetime(frame["date"])
    return [temperature_case("seattle-temps", seattle, ("06-21", "09-16")),
            temperature_case("sf-temps", sf, ("09-02", "09-30")), sp500_case(), weather_case()]


def tools(case: Case) -> dict[str, Decide]:
    import nannyml as nml
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    columns = case.numeric + case.categorical
    ref = case.reference[columns]
    calibrated = summarise_reference(ref, case.numeric, case.categorical)
    iid = summarise_reference(ref, case.numeric, case.categorical, calibrate=False)
    size = int(np.median([len(b) for _, b in case.batches]))
    calculator = nml.UnivariateDriftCalculator(column_names=columns, treat_as_categorical=case.categorical,
                                               chunk_size=size)
    calculator.fit(ref)
    definition = DataDefinition(numerical_columns=case.numeric, categorical_columns=case.categorical)
    evidently_ref = Dataset.from_pandas(ref, data_definition=definition)

    def nannyml(batch: pd.DataFrame) -> bool:
        table = calculator.calculate(batch[columns]).filter(period="analysis").to_df()
        return bool(table[[c for c in table.columns if c[-1] == "alert"]].to_numpy().any())

    def evidently(batch: pd.DataFrame) -> bool:
        current = Dataset.from_pandas(batch[columns], data_definition=definition)
        metrics = Report([DataDriftPreset()]).run(current, evidently_ref).dict()["metrics"]
        metric = next(m for m in metrics if m["metric_name"].startswith("DriftedColumnsCount"))
        return float(metric["value"]["share"]) >= 0.5

    return {
        "ours (calibrated)": lambda b: analyse_batch(calibrated, b[columns]).targets["input"].level == "drift",
        "ours i.i.d. (before)": lambda b: analyse_batch(iid, b[columns]).targets["input"].level == "drift",
        "NannyML defaults": nannyml,
        "Evidently defaults": evidently,
    }


def main() -> None:
    warnings.filterwarnings("ignore")
    pooled: dict[str, list[bool]] = {}
    print(f"{'dataset':<16} | {'tool':<22} | {'false DRIFT (no change)':>23} | detection delay, batches")
    print("-" * 100)
    for case in cases():
        for tool, decide in tools(case).items():
            flags = {label: decide(rows) for label, rows in case.batches
                     if label in case.no_change or any(label in v for v in case.changes.values())}
            quiet = [flags[label] for label in sorted(case.no_change)]
            pooled.setdefault(tool, []).extend(quiet)
            delays = []
            for change, labels in case.changes.items():
                hit = next((i for i, label in enumerate(labels) if flags[label]), None)
                delays.append(f"{change}: {'-' if hit is None else hit}")
            share = f"{np.mean(quiet):.2f} ({sum(quiet)}/{len(quiet)})"
            print(f"{case.name:<16} | {tool:<22} | {share:>23} | {'; '.join(delays) or 'n/a'}", flush=True)
    print("-" * 100)
    for tool, quiet in pooled.items():
        print(f"{'all no-change':<16} | {tool:<22} | {f'{np.mean(quiet):.3f} ({sum(quiet)}/{len(quiet)})':>23} |")


if __name__ == "__main__":
    main()
