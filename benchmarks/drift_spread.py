"""The spread test's false alarms on heavy-tailed i.i.d. data, and what it detects.

Protocol (written before any result of this script was looked at):

Columns: 10 numeric, i.i.d. rows: five Student-t with 3 degrees of freedom, five log-normal
(``exp(N(0, 1))``): the tails that made a normal-theory spread test alarm 20-28 times too often.

1. False alarms. For each batch size in (21, 100, 1,000) rows: 100 references of 2,000 rows, each
   summarised with its calibration (the default), then 2 fresh batches per reference of the same
   distribution (200 batches per size). Counted: batches whose INPUT target is DRIFT, and WARNING
   or worse. Bar: the DRIFT share at most 1 % (alpha) and the WARNING-or-worse share at most 5 %
   (alpha_warning) per size, read with binomial slack: with 200 batches a share above 3.5 % (DRIFT)
   or 9 % (WARNING) is a failure (one-sided binomial tail below 1 % at the nominal rate). Also
   printed, for the spread test alone: the share of (batch, column) pairs whose raw i.i.d. spread
   p-value is below 1 % (about 1 % expected).
2. Detection (informative, no bar): the same references, one batch per reference in which the
   first t(3) column is multiplied by 2 around its median (a pure change of spread): the share of
   batches DRIFT, and the share in which that column's ``decided_by`` is ``"spread"``.

Run: ``python benchmarks/drift_spread.py`` (our package only; ``--references`` to go smaller).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from mlcube_nb.monitoring import analyse_batch, summarise_reference

T3 = [f"t{i}" for i in range(5)]
LOGNORMAL = [f"ln{i}" for i in range(5)]
COLUMNS = T3 + LOGNORMAL
SIZES = (21, 100, 1_000)


def frame(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` i.i.d. rows of the ten heavy-tailed columns."""
    data = {c: rng.standard_t(3, rows) for c in T3} | {c: rng.lognormal(0.0, 1.0, rows) for c in LOGNORMAL}
    return pd.DataFrame(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--references", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(20261203)
    print(f"{'rows':>6} {'DRIFT':>7} {'WARN+':>7} {'spread p<1%':>12} {'2x spread DRIFT':>16} {'by spread':>10}")
    for size in SIZES:
        drift = warn = small = pairs = detected = by_spread = batches = 0
        for _ in range(args.references):
            summary = summarise_reference(frame(2_000, rng), COLUMNS, [])
            for _ in range(2):
                result = analyse_batch(summary, frame(size, rng))
                level = result.targets["input"].level
                drift += level == "drift"
                warn += level != "ok"
                batches += 1
                p = np.array([result.features[c].spread_p_value for c in COLUMNS])
                small += int(np.sum(p < 0.01))
                pairs += int(np.isfinite(p).sum())
            wide = frame(size, rng)
            wide[T3[0]] = 2 * (wide[T3[0]] - wide[T3[0]].median()) + wide[T3[0]].median()
            result = analyse_batch(summary, wide)
            detected += result.targets["input"].level == "drift"
            by_spread += result.features[T3[0]].decided_by == "spread"
        print(f"{size:>6} {drift / batches:>7.1%} {warn / batches:>7.1%} {small / max(pairs, 1):>12.2%} "
              f"{detected / args.references:>16.0%} {by_spread / args.references:>10.0%}")


if __name__ == "__main__":
    main()
