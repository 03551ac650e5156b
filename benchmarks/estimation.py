"""Label-free performance estimation: ours (CBPE / DLE in mlcube_nb.monitoring) vs NannyML's CBPE / DLE.

Protocol (fixed before looking at any result)
---------------------------------------------
Three scenarios, each run with 5 seeds (0..4); for every seed both tools get byte-identical data:

- ``binary``: inputs x1, x2 ~ N(0, 1) plus a 3-level category; the truth is
  P(y=1 | x) = sigmoid(2 x1 - x2 + 0.5 x1 x2 + 0.5 [c = "a"]). The monitored model is a scikit-learn
  HistGradientBoostingClassifier trained on 5,000 separate rows (its probabilities are good but not
  calibrated by construction). Reference: 5,000 labelled rows. Production: 8 batches of 2,000 rows,
  batch b with x1 ~ N(-0.15 b, 1) and x2 ~ N(0.15 b, 1), moving rows into regions where the model is less
  sure: accuracy falls. Metrics: accuracy, F1 (positive class), ROC AUC.
- ``multiclass``: x ~ N(0, I_3), three classes with softmax logits (2 x1, 2 x2 - x3, x3 - x1); the model
  is a HistGradientBoostingClassifier trained on 5,000 rows; reference 5,000 rows; 8 batches of 2,000 rows,
  batch b with the mean of (x1, x2) shrunk towards the class boundaries by scaling the inputs by
  (1 - 0.08 b). Metrics: accuracy, macro F1, macro one-vs-rest ROC AUC.
- ``regression``: x1 ~ N(0, 1.5), x2 ~ N(0, 1), a 2-level category; y = 2 x1 + x2 + noise with noise sd
  (0.3 + |x1|) x (1.5 if c = "a" else 1); the model is a HistGradientBoostingRegressor trained on 5,000 rows.
  Reference 5,000 rows; 8 batches of 2,000 rows, batch b with x1 ~ N(0.3 b, 1.5) and P(c = "a") rising
  from 0.5 to 0.85: the error grows, and the batches stay inside the reference's support. Metrics: MAE, RMSE.

Both tools see the reference with targets and the batches without; NannyML gets the batches as one
analysis frame with ``chunk_size=2000`` so that its chunks are exactly our batches. NannyML runs with its
defaults (CBPE: isotonic calibration; DLE: LightGBM with default hyper-parameters); ours runs with its
defaults (calibrator chosen by reference size and kept only if it beats the raw scores on cross-validated
Brier score; DLE with scikit-learn gradient boosting). Since issue 18's calibrator selection change the raw
scores must also pass a calibration test on the reference to be kept (see
``mlcube_nb/monitoring/estimation_calibrators.py``); the protocol and scoring are unchanged. For every
batch and metric the realised value is computed from the true labels with scikit-learn.

Reported per scenario (means over seeds, batches and the scenario's metrics):
- ``MAE``: mean |estimate - realised|;
- ``coverage``: share of batches whose realised value lies inside the tool's band (ours: the 95 % band;
  NannyML: its confidence band, estimate +- 3 sampling errors);
- ``band``: mean band width (a band can cover by being wide);
- ``time``: wall seconds to fit on the reference plus estimate all 8 batches.
The ratio column is ours / NannyML (below 1: ours is better for MAE and time).

``--paired`` (added after the protocol above, same data and scoring) also prints, per scenario and metric,
the per-seed difference ours - NannyML of the MAE as mean +- standard error over seeds (seeds are the
pairing unit: both tools see the same batches), each tool's mean signed error (estimate - realised) and
coverage: it tells a real difference from seed noise and shows which metric a difference comes from.

Run from the peers venv (see benchmarks/README.md): ``python benchmarks/estimation.py`` (about 2-3 min).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, roc_auc_score

from mlcube_nb.monitoring.estimation_classification import fit_classification
from mlcube_nb.monitoring.estimation_regression import fit_regression

os.environ.update({"NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1"})

N_TRAIN = N_REFERENCE = 5_000
BATCH, N_BATCHES = 2_000, 8
METRICS = {"binary": ("accuracy", "f1", "roc_auc"), "multiclass": ("accuracy", "f1", "roc_auc"),
           "regression": ("mae", "rmse")}


@dataclass
class Scenario:
    """Reference and batches of one seed: inputs, targets, the model's predictions (and class probabilities)."""

    kind: str
    features: list[str]
    reference: pd.DataFrame
    batches: list[pd.DataFrame]
    classes: tuple[str, ...] = ()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _binary_rows(n: int, b: int, rng: np.random.Generator) -> pd.DataFrame:
    x1, x2 = rng.normal(-0.15 * b, 1.0, n), rng.normal(0.15 * b, 1.0, n)
    c = rng.choice(np.array(["a", "b", "c"]), n)
    p = _sigmoid(2 * x1 - x2 + 0.5 * x1 * x2 + 0.5 * (c == "a"))
    return pd.DataFrame({"x1": x1, "x2": x2, "c": c, "y": (rng.uniform(size=n) < p).astype(int)})


def _multiclass_rows(n: int, b: int, rng: np.random.Generator) -> pd.DataFrame:
    x = rng.normal(size=(n, 3)) * (1 - 0.08 * b)
    logits = np.column_stack([2 * x[:, 0], 2 * x[:, 1] - x[:, 2], x[:, 2] - x[:, 0]])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = (rng.uniform(size=(n, 1)) > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 2)
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "y": np.array(["k0", "k1", "k2"])[y]})


def _regression_rows(n: int, b: int, rng: np.random.Generator) -> pd.DataFrame:
    x1, x2 = rng.normal(0.3 * b, 1.5, n), rng.normal(size=n)
    c = np.where(rng.uniform(size=n) < 0.5 + 0.05 * b, "a", "b")
    noise = rng.normal(size=n) * (0.3 + np.abs(x1)) * np.where(c == "a", 1.5, 1.0)
    return pd.DataFrame({"x1": x1, "x2": x2, "c": c, "y": 2 * x1 + x2 + noise})


def _encode(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    out = frame[features].copy()
    if "c" in out:
        out["c"] = out["c"].map({"a": 0, "b": 1, "c": 2}).astype(float)
    return out


def make_scenario(kind: str, seed: int) -> Scenario:
    """Train the monitored model and build the reference and the 8 shifted batches of one seed."""
    rng = np.random.default_rng(seed)
    rows = {"binary": _binary_rows, "multiclass": _multiclass_rows, "regression": _regression_rows}[kind]
    features = ["x1", "x2", "x3"] if kind == "multiclass" else ["x1", "x2", "c"]
    train = rows(N_TRAIN, 0, rng)
    frames = [rows(N_REFERENCE, 0, rng)] + [rows(BATCH, b, rng) for b in range(N_BATCHES)]
    if kind == "regression":
        model = HistGradientBoostingRegressor(random_state=seed).fit(_encode(train, features), train["y"])
        for frame in frames:
            frame["y_pred"] = model.predict(_encode(frame, features))
        return Scenario(kind, features, frames[0], frames[1:])
    model = HistGradientBoostingClassifier(random_state=seed).fit(_encode(train, features), train["y"])
    classes = tuple(str(c) for c in model.classes_)
    for frame in frames:
        proba = model.predict_proba(_encode(frame, features))
        frame["y_pred"] = model.classes_[proba.argmax(axis=1)]
        for j, name in enumerate(classes):
            frame[f"p_{name}"] = proba[:, j]
    return Scenario(kind, features, frames[0], frames[1:], classes)


def realised(scenario: Scenario, frame: pd.DataFrame) -> dict[str, float]:
    """The batch's true metrics from its labels."""
    y, y_pred = frame["y"], frame["y_pred"]
    if scenario.kind == "regression":
        return {"mae": mean_absolute_error(y, y_pred), "rmse": float(np.sqrt(np.mean((y - y_pred) ** 2)))}
    if scenario.kind == "binary":
        return {"accuracy": accuracy_score(y, y_pred), "f1": f1_score(y, y_pred),
                "roc_auc": roc_auc_score(y, frame["p_1"])}
    proba = frame[[f"p_{c}" for c in scenario.classes]].to_numpy()
    return {"accuracy": accuracy_score(y, y_pred), "f1": f1_score(y, y_pred, average="macro"),
            "roc_auc": roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=list(scenario.classes))}


Estimates = list[dict[str, tuple[float, float, float]]]  # per batch: metric -> (estimate, lower, upper)


def ours(scenario: Scenario) -> Estimates:
    """Fit our estimator on the reference, estimate every batch."""
    ref = scenario.reference
    if scenario.kind == "regression":
        est = fit_regression(ref[scenario.features], ref["y"], ref["y_pred"], categorical=("c",))
        return [{m: (e.value, e.lower, e.upper) for m, e in est.estimate(b[scenario.features], b["y_pred"]).items()}
                for b in scenario.batches]
    index = {c: i for i, c in enumerate(scenario.classes)}

    def arrays(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        scores = frame[[f"p_{c}" for c in scenario.classes]].to_numpy()
        return scores, frame["y_pred"].astype(str).map(index).to_numpy()

    scores, predicted = arrays(ref)
    labels = ref["y"].astype(str).map(index).to_numpy()
    est = fit_classification(scores, labels, predicted, scenario.classes)
    out = []
    for seed, batch in enumerate(scenario.batches):
        estimates = est.estimate(*arrays(batch), seed=seed)
        out.append({m: (e.value, e.lower, e.upper) for m, e in estimates.items()})
    return out


def nannyml(scenario: Scenario) -> Estimates:
    """NannyML's CBPE (classifiers) or DLE (regression), chunked exactly at our batch boundaries."""
    import nannyml as nml

    analysis = pd.concat(scenario.batches, ignore_index=True)
    if scenario.kind == "regression":
        estimator = nml.DLE(feature_column_names=scenario.features, y_pred="y_pred", y_true="y",
                            metrics=["mae", "rmse"], chunk_size=BATCH)
        names = {"mae": "mae", "rmse": "rmse"}
    else:
        binary = scenario.kind == "binary"
        estimator = nml.CBPE(
            y_pred_proba="p_1" if binary else {c: f"p_{c}" for c in scenario.classes}, y_pred="y_pred", y_true="y",
            problem_type="classification_binary" if binary else "classification_multiclass",
            metrics=["accuracy", "f1", "roc_auc"], chunk_size=BATCH)
        names = {"accuracy": "accuracy", "f1": "f1", "roc_auc": "roc_auc"}
    estimator.fit(scenario.reference)
    table = estimator.estimate(analysis).filter(period="analysis").to_df()
    out = []
    for i in range(len(table)):
        row = table.iloc[i]
        out.append({ours_name: (float(row[(theirs, "value")]), float(row[(theirs, "lower_confidence_boundary")]),
                                float(row[(theirs, "upper_confidence_boundary")]))
                    for ours_name, theirs in names.items()})
    return out


def score(scenario: Scenario, estimates: Estimates) -> tuple[float, float, float]:
    """(MAE, coverage, mean band width) of one tool on one seed, over batches and metrics."""
    errors, covered, widths = [], [], []
    for batch, found in zip(scenario.batches, estimates, strict=True):
        truth = realised(scenario, batch)
        for metric in METRICS[scenario.kind]:
            value, lower, upper = found[metric]
            lower = value if not np.isfinite(lower) else lower
            upper = value if not np.isfinite(upper) else upper
            errors.append(abs(value - truth[metric]))
            covered.append(lower <= truth[metric] <= upper)
            widths.append(upper - lower)
    return float(np.mean(errors)), float(np.mean(covered)), float(np.mean(widths))


def per_metric(scenario: Scenario, estimates: Estimates) -> dict[str, tuple[float, float, float]]:
    """Per metric of one tool on one seed: (MAE, mean signed error estimate - realised, coverage)."""
    out = {}
    for metric in METRICS[scenario.kind]:
        signed, covered = [], []
        for batch, found in zip(scenario.batches, estimates, strict=True):
            truth = realised(scenario, batch)[metric]
            value, lower, upper = found[metric]
            lower = value if not np.isfinite(lower) else lower
            upper = value if not np.isfinite(upper) else upper
            signed.append(value - truth)
            covered.append(lower <= truth <= upper)
        out[metric] = (float(np.mean(np.abs(signed))), float(np.mean(signed)), float(np.mean(covered)))
    return out


def run(kind: str, seeds: list[int],
        paired: list[dict[str, dict[str, tuple[float, float, float]]]] | None = None) -> dict[str, list[float]]:
    """Both tools on every seed of a scenario: per tool the mean MAE, coverage, band width and time.

    With *paired* a list, each seed's per-metric scores of both tools (:func:`per_metric`) are appended to it.
    """
    tools: dict[str, Callable[[Scenario], Estimates]] = {"ours": ours, "NannyML": nannyml}
    results: dict[str, list[list[float]]] = {name: [] for name in tools}
    for seed in seeds:
        scenario = make_scenario(kind, seed)
        found: dict[str, dict[str, tuple[float, float, float]]] = {}
        for name, tool in tools.items():
            start = time.perf_counter()
            estimates = tool(scenario)
            elapsed = time.perf_counter() - start
            results[name].append([*score(scenario, estimates), elapsed])
            found[name] = per_metric(scenario, estimates)
        if paired is not None:
            paired.append(found)
    return {name: list(np.mean(np.asarray(rows), axis=0)) for name, rows in results.items()}


def print_paired(kind: str, paired: list[dict[str, dict[str, tuple[float, float, float]]]]) -> None:
    """Per metric: both tools' MAE, the per-seed MAE difference (mean +- standard error), signed error, coverage."""
    for metric in [*METRICS[kind], "all"]:
        names = METRICS[kind] if metric == "all" else (metric,)
        mae = {t: np.asarray([np.mean([seed[t][m][0] for m in names]) for seed in paired]) for t in ("ours", "NannyML")}
        bias = {t: np.mean([seed[t][m][1] for seed in paired for m in names]) for t in ("ours", "NannyML")}
        cover = {t: np.mean([seed[t][m][2] for seed in paired for m in names]) for t in ("ours", "NannyML")}
        diff = mae["ours"] - mae["NannyML"]
        se = float(np.std(diff, ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else float("nan")
        print(f"| {kind} | {metric} | {mae['ours'].mean():.5f} | {mae['NannyML'].mean():.5f} | "
              f"{diff.mean():+.6f} +- {se:.6f} | {bias['ours']:+.5f} / {bias['NannyML']:+.5f} | "
              f"{cover['ours']:.3f} / {cover['NannyML']:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--scenarios", nargs="*", default=list(METRICS))
    parser.add_argument("--paired", action="store_true",
                        help="also print per-metric paired differences ours - NannyML over the seeds")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores; {args.seeds} seeds; "
          f"reference {N_REFERENCE} rows, {N_BATCHES} batches of {BATCH} rows")
    header = "| scenario | quantity | ours | NannyML | ours / NannyML |\n|---|---|---|---|---|"
    print(header)
    pairs: dict[str, list[dict[str, dict[str, tuple[float, float, float]]]]] = {}
    for kind in args.scenarios:
        pairs[kind] = []
        found = run(kind, list(range(args.seeds)), pairs[kind] if args.paired else None)
        for i, quantity in enumerate(("MAE of estimate", "band coverage", "band width", "time (s)")):
            a, b = found["ours"][i], found["NannyML"][i]
            fmt = "{:.5f}" if i == 0 else "{:.4f}" if i < 3 else "{:.2f}"
            ratio = f"{a / b:.2f}" if b else "-"
            print(f"| {kind} ({', '.join(METRICS[kind])}) | {quantity} | {fmt.format(a)} | {fmt.format(b)} | {ratio} |")
    if args.paired:
        print("\n| scenario | metric | MAE ours | MAE NannyML | ours - NannyML (mean +- se over seeds) "
              "| signed error ours / NannyML | coverage ours / NannyML |\n|---|---|---|---|---|---|---|")
        for kind, rows in pairs.items():
            print_paired(kind, rows)


if __name__ == "__main__":
    main()
