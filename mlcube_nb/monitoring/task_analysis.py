"""Reference summaries and per-batch analysis for a :class:`MonitoringPlan`; pure, JSON-able in and out.

``build_reference`` runs once when a model's reference is set; ``analyse_production`` runs on each
production batch (and ``analyse_labelled`` on rows whose targets arrive later). Both return plain
dicts the monitoring service writes in one transaction: one :class:`QuantityOutcome` per monitored
quantity, with per-feature statistics inside. Distribution quantities use the Holm-controlled tests
of :mod:`mlcube_nb.monitoring`; the error stream uses a Bernoulli likelihood-ratio CUSUM
(classification) or a normal-score CUSUM (regression); evaluation metrics are compared with a
bootstrap of the reference at the batch's size.

The state ``build_reference`` returns is large and fixed, except two small keys that each analysed batch
rewrites in place (the caller stores the state back): ``state["error"]["detector"]`` (the error stream's
sequential detector) and ``state["carry"]`` (per quantity key and numeric column, the evidence of the last
batch where the column was at least WARNING: ``{"sign", "t", "z", "chunks", "rows"}``, a few numbers per
column, see :mod:`~mlcube_nb.monitoring.carry`). Everything else is read only.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mlcube_nb.monitoring import (
    DDM,
    BernoulliCusum,
    NormalScoreCusum,
    ReferenceSummary,
    analyse_batch,
    level_from_p_value,
    summarise_reference,
)
from mlcube_nb.monitoring._columns import column_threads
from mlcube_nb.monitoring.calibration import MIN_CHUNK_ROWS, MIN_CHUNKS, stream_inflation
from mlcube_nb.monitoring.evaluation_classification import classification_metrics
from mlcube_nb.monitoring.evaluation_regression import regression_metrics
from mlcube_nb.monitoring.plan import MonitoringPlan, Quantity
from mlcube_nb.monitoring.text_metrics import text_length, text_sentiment

ALPHA, ALPHA_WARNING = 0.01, 0.05
MIN_ROWS = 30  # labelled rows for a reference's error stream and a batch's evaluation metrics
MIN_DRIFT_ROWS = MIN_CHUNK_ROWS  # rows for a batch's drift tests: the calibration's smallest chunk
BOOTSTRAP_ROUNDS = 199
EVALUATION_SAMPLE = 5000
ERROR_METRICS = {"rmse", "mae", "mape", "log_loss", "fpr_at_tpr"}
EVALUATION_KEYS = {"binary": ("accuracy", "f1", "roc_auc"), "real": ("rmse", "mae", "r_squared")}


@dataclass
class QuantityOutcome:
    """The verdict on one monitored quantity for one batch, with what a history plot needs."""

    target: str | None
    metric: str | None
    evaluation_metric: str | None
    level: str
    statistic: float
    p_value: float | None
    magnitude: float
    warning_level: float
    drift_level: float
    test: str
    n_rows: int
    sample_id: str | None = None
    sample_timestamp: float | None = None
    features: list[dict[str, Any]] = field(default_factory=list)
    calibration: str | None = None

    @property
    def key(self) -> str:
        """Stable key of the quantity (``input``, ``input/text_length``, ``evaluation/accuracy``)."""
        if self.evaluation_metric is not None:
            return f"evaluation/{self.evaluation_metric}"
        assert self.target is not None, "only evaluation quantities have no target"
        return self.target if self.metric is None else f"{self.target}/{self.metric}"


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def derive(plan: MonitoringPlan, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the plan's derived columns (text length, sentiment, entropy, log-likelihood) to a copy.

    A shallow copy: columns are added, never written into, so the caller's frame is untouched without
    copying a million-row batch.
    """
    out = frame.copy(deep=False)
    for d in plan.derived:
        if d.source not in out.columns:
            continue
        values = out[d.source]
        if d.kind == "text_length":
            out[d.name] = text_length(values.tolist()).astype(np.float64)
        elif d.kind == "text_sentiment":
            out[d.name] = text_sentiment(values.tolist(), plan.text_language)  # type: ignore[arg-type]
        elif d.kind == "binary_entropy":
            p = np.clip(pd.to_numeric(values, errors="coerce").to_numpy(np.float64), 1e-12, 1 - 1e-12)
            out[d.name] = -(p * np.log(p) + (1 - p) * np.log(1 - p))
        elif d.kind == "log_likelihood" and d.other in out.columns:
            p = np.clip(pd.to_numeric(values, errors="coerce").to_numpy(np.float64), 1e-12, 1 - 1e-12)
            positive = _is_positive(out[d.other], plan.positive_class)
            ll = np.where(positive, np.log(p), np.log(1 - p))
            out[d.name] = np.where(out[d.other].isna().to_numpy(), np.nan, ll)
    return out


def _is_positive(series: pd.Series, positive_class: Any) -> np.ndarray:
    return (series.astype(str) == str(positive_class)).to_numpy()


def _labelled(plan: MonitoringPlan, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with a target: *frame* itself when every row has one (no copy, and its summaries can be shared)."""
    if plan.target_column is None or plan.target_column not in frame.columns:
        return frame.iloc[0:0]
    known = frame[plan.target_column].notna()
    return frame if known.all() else frame[known]


def _summary(plan: MonitoringPlan, frame: pd.DataFrame, quantities: list[Quantity], seed: int) -> dict | None:
    if not quantities or len(frame) < 2:
        return None
    numeric = sorted({c for q in quantities for c in q.numeric})
    categorical = sorted({c for q in quantities for c in q.categorical})
    data = frame[numeric + categorical].copy()
    for c in categorical:
        data[c] = data[c].astype("string")
    summary = summarise_reference(data, numeric, categorical, targets={q.key: q.columns for q in quantities},
                                  seed=seed)
    return summary.to_dict()


def _errors(plan: MonitoringPlan, frame: pd.DataFrame) -> np.ndarray:
    """Misclassification flags (binary stream) or residuals (real stream) of labelled, predicted rows."""
    y, yhat = frame[plan.target_column], frame[plan.prediction_column]
    if plan.error_stream == "binary":
        return (y.astype(str).to_numpy() != yhat.astype(str).to_numpy()).astype(np.float64)
    return (pd.to_numeric(y, errors="coerce") - pd.to_numeric(yhat, errors="coerce")).to_numpy(np.float64)


def _evaluate(plan: MonitoringPlan, y: np.ndarray, yhat: np.ndarray, p: np.ndarray | None) -> dict[str, float]:
    if plan.error_stream == "real":
        metrics = regression_metrics(y.astype(np.float64), yhat.astype(np.float64))
    else:
        positive = str(plan.positive_class) if plan.positive_class is not None else None
        metrics = classification_metrics(y, yhat, p if p is not None and positive is not None else None,
                                         positive=positive if positive is not None else y[0])
    keys = EVALUATION_KEYS[plan.error_stream or "binary"]
    return {k: float(v) for k, v in metrics.items() if k in keys and v is not None and math.isfinite(v)}


def _evaluation_arrays(plan: MonitoringPlan, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    if plan.error_stream == "real":
        y = pd.to_numeric(frame[plan.target_column], errors="coerce").to_numpy(np.float64)
        yhat = pd.to_numeric(frame[plan.prediction_column], errors="coerce").to_numpy(np.float64)
    else:
        y = frame[plan.target_column].astype(str).to_numpy()
        yhat = frame[plan.prediction_column].astype(str).to_numpy()
    p = None  # P(positive class) of binary tasks; a multiclass model's probability arrays are not used here
    if plan.probability_column and plan.probability_column in frame.columns and plan.positive_class is not None:
        p = pd.to_numeric(frame[plan.probability_column], errors="coerce").to_numpy(np.float64)
    return y, yhat, p


def testable_quantities(plan: MonitoringPlan, frame: pd.DataFrame) -> list[Quantity]:
    """The plan's quantities a reference frame (derived columns added) can summarise.

    Every column must be present and every numeric one must hold a finite value: e.g. image metrics of
    images that could not be decoded are NaN, and such a quantity is left out rather than failing the job.
    """
    def usable(q: Quantity) -> bool:
        if not all(c in frame.columns for c in q.columns):
            return False
        return all(np.isfinite(pd.to_numeric(frame[c], errors="coerce").to_numpy(np.float64)).any()
                   for c in q.numeric)

    return [q for q in plan.quantities if usable(q)]


def _in_time_order(plan: MonitoringPlan, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by the time column (stable), so reference chunks are time-contiguous for calibration."""
    if plan.time_column not in frame.columns:
        return frame
    order = np.argsort(pd.to_numeric(frame[plan.time_column], errors="coerce").to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def build_reference(plan: MonitoringPlan, frame: pd.DataFrame, *, seed: int = 0) -> dict[str, Any]:
    """Summarise a model's reference once: distributions, error-stream baseline, evaluation sample."""
    frame = _in_time_order(plan, derive(plan, frame))
    labelled = _labelled(plan, frame)
    testable = testable_quantities(plan, frame)
    plain = [q for q in testable if not q.needs_target]
    supervised = [q for q in testable if q.needs_target]
    state: dict[str, Any] = {
        "n_rows": len(frame), "unlabelled": _summary(plan, frame, plain, seed),
        "labelled": _summary(plan, labelled, supervised, seed), "error": None, "evaluation": None,
        "carry": {},
    }
    has_predictions = plan.prediction_column is not None and plan.prediction_column in frame.columns
    if plan.error_stream and has_predictions and len(labelled) >= MIN_ROWS:
        rows = labelled[labelled[plan.prediction_column].notna()]
        errors = _errors(plan, rows)
        if plan.error_stream == "binary":
            # the reference's error rate is known, so the likelihood-ratio CUSUM gets it as p0: its false-alarm
            # rate is bounded by construction and it reacts faster than DDM (benchmarks/drift_quality.py)
            # thresholds raised by the long-run variance ratio of the reference's own (time-ordered) errors, so
            # bursts of errors as large as the reference's do not alarm (calibration.stream_inflation)
            p0 = float(np.clip(np.mean(errors), 1e-3, 0.95))
            detector: DDM | BernoulliCusum | NormalScoreCusum = BernoulliCusum(
                p0=p0, inflation=stream_inflation(errors))
        else:
            finite = errors[np.isfinite(errors)]
            scores = NormalScoreCusum(finite).normal_scores(finite)
            detector = NormalScoreCusum(finite, inflation=stream_inflation(scores))
        state["error"] = {"kind": plan.error_stream, "test": detector.name, "detector": detector.to_dict()}
        # evenly spaced in time (rows are time-ordered), so contiguous windows of the sample are periods
        take = np.unique(np.linspace(0, len(rows) - 1, min(len(rows), EVALUATION_SAMPLE)).round().astype(np.int64))
        sample = rows.iloc[take]
        y, yhat, p = _evaluation_arrays(plan, sample)
        state["evaluation"] = {
            "y": y.tolist(), "yhat": yhat.tolist(), "p": None if p is None else p.tolist(),
            "values": _evaluate(plan, y, yhat, p),
        }
    return state


def _last_sample(plan: MonitoringPlan, frame: pd.DataFrame) -> tuple[str | None, float | None]:
    if frame.empty or plan.time_column not in frame.columns:
        return None, None
    i = int(np.argmax(pd.to_numeric(frame[plan.time_column], errors="coerce").fillna(-np.inf).to_numpy()))
    row = frame.iloc[i]
    return str(row[plan.id_column]), _finite(float(row[plan.time_column]))


def _distribution_outcomes(
    plan: MonitoringPlan, state: dict[str, Any], part: str, frame: pd.DataFrame, seed: int,
    memo: dict[tuple[Any, ...], Any] | None = None,
) -> list[QuantityOutcome]:
    """Outcomes of the distribution quantities of one part of the state (``unlabelled`` or ``labelled``).

    ``state["carry"]`` (per quantity key, per numeric column: the evidence of the last batch where the
    column was at least WARNING, see :mod:`~mlcube_nb.monitoring.carry`) is read and replaced for this
    part's quantities: it is the only part of the distribution state a batch changes.
    """
    summary = state.get(part)
    if summary is None or len(frame) < MIN_DRIFT_ROWS:
        return []
    reference = ReferenceSummary.from_dict(summary)
    columns = list(reference.numeric) + list(reference.categorical)
    if any(c not in frame.columns for c in columns):
        return []
    # the columns themselves, not a copy (``frame[columns]`` takes a copy of a million-row block): categorical
    # columns are replaced below and nothing is written into
    data = pd.DataFrame({c: frame[c] for c in columns}, copy=False)
    for c in reference.categorical:
        data[c] = data[c].astype("string")
    carry = state.get("carry") or {}
    analysis = analyse_batch(reference, data, alpha=ALPHA, alpha_warning=ALPHA_WARNING, seed=seed, memo=memo,
                             carry=carry, n_jobs=column_threads(len(data)))
    kept = {k: v for k, v in carry.items() if k not in analysis.carry}
    state["carry"] = kept | {k: dict(v) for k, v in analysis.carry.items() if v}
    sample_id, sample_time = _last_sample(plan, frame)
    outcomes = []
    for key, result in analysis.targets.items():
        q = plan.quantity(key)
        features = []
        for column in result.columns:
            f = analysis.features[column]
            features.append({
                "feature": column, "test": f.test, "statistic": _finite(f.statistic), "p_value": _finite(f.p_value),
                "adjusted_p_value": _finite(result.adjusted_p_values.get(column)),
                "psi": _finite(f.psi), "jensen_shannon": _finite(f.jensen_shannon),
                "wasserstein": _finite(f.wasserstein), "decision": result.column_levels.get(column, "ok"),
                "reference_quantile": _finite(f.reference_quantile),
                "warning_level": _finite(result.column_warning_levels.get(column)),
                "drift_level": _finite(result.column_drift_levels.get(column)),
                **({"spread_statistic": _finite(f.spread_statistic), "spread_p_value": _finite(f.spread_p_value),
                    "decided_by": f.decided_by} if math.isfinite(f.spread_p_value) else {}),
            })
        p = result.p_value if math.isfinite(result.p_value) else 1.0
        spread = any(math.isfinite(analysis.features[c].spread_p_value) for c in result.columns)
        members = ["ks+klotz" if spread else "ks", "chi_square", *(["quanttree"] if result.multivariate else []),
                   *(["joint_klotz"] if result.joint_spread_adjusted_p_value is not None else [])]
        outcomes.append(QuantityOutcome(
            target=q.target, metric=q.metric, evaluation_metric=None, level=result.level,
            statistic=result.statistic, p_value=p, magnitude=_finite(result.magnitude) or 0.0,
            warning_level=result.warning_level, drift_level=result.drift_level,
            test=f"holm({', '.join(members)})",
            n_rows=len(frame), sample_id=sample_id, sample_timestamp=sample_time, features=features,
            calibration=result.calibration,
        ))
    return outcomes


def _error_outcome(plan: MonitoringPlan, state: dict[str, Any], labelled: pd.DataFrame) -> QuantityOutcome | None:
    error = state.get("error")
    if error is None or plan.prediction_column not in labelled.columns:
        return None
    rows = labelled[labelled[plan.prediction_column].notna()]
    if rows.empty:
        return None
    detector: DDM | BernoulliCusum | NormalScoreCusum
    if error["kind"] != "binary":
        detector = NormalScoreCusum.from_dict(error["detector"])
    elif error.get("test") == BernoulliCusum.name:
        detector = BernoulliCusum.from_dict(error["detector"])
    else:  # references summarised before the Bernoulli CUSUM kept DDM
        detector = DDM.from_dict(error["detector"])
    order = np.argsort(pd.to_numeric(rows[plan.time_column], errors="coerce").to_numpy(), kind="stable")
    rows = rows.iloc[order]
    result = detector.update(_errors(plan, rows))
    error["detector"] = detector.to_dict()
    at = result.drift_indices[0] if result.drift_indices else (result.warning_index or len(rows) - 1)
    at = min(at, len(rows) - 1)
    statistic = _finite(result.statistic) or 0.0
    if result.drift_indices:  # the detector restarts after an alarm: report the level it crossed, not the restart
        statistic = max(statistic, float(result.drift_threshold))
    return QuantityOutcome(
        target="error", metric=None, evaluation_metric=None, level=result.level,
        statistic=statistic, p_value=None, magnitude=abs(_finite(result.magnitude) or 0.0),
        warning_level=float(result.warning_threshold), drift_level=float(result.drift_threshold),
        test=result.detector, n_rows=len(rows), sample_id=str(rows.iloc[at][plan.id_column]),
        sample_timestamp=_finite(float(rows.iloc[at][plan.time_column])),
    )


def _bootstrap_rows(n_reference: int, n_batch: int, rng: np.random.Generator) -> np.ndarray:
    """Rows of one bootstrap replicate of the reference metric at the batch's size.

    When the time-ordered reference sample holds at least MIN_CHUNKS batches, a replicate is a contiguous
    window of it (circular), so the levels include the reference's own period-to-period variation; else
    the rows are drawn independently (the classic bootstrap).
    """
    if n_batch * MIN_CHUNKS <= n_reference:
        return (int(rng.integers(0, n_reference)) + np.arange(n_batch)) % n_reference
    return rng.integers(0, n_reference, size=n_batch)


def _evaluation_outcomes(plan: MonitoringPlan, state: dict[str, Any], labelled: pd.DataFrame,
                         seed: int) -> list[QuantityOutcome]:
    reference = state.get("evaluation")
    if reference is None or plan.prediction_column not in labelled.columns:
        return []
    rows = labelled[labelled[plan.prediction_column].notna()]
    if len(rows) < MIN_ROWS:
        return []
    y, yhat, p = _evaluation_arrays(plan, rows)
    observed = _evaluate(plan, y, yhat, p)
    ref_y, ref_yhat = np.asarray(reference["y"]), np.asarray(reference["yhat"])
    ref_p = None if reference["p"] is None else np.asarray(reference["p"], dtype=np.float64)
    rng = np.random.default_rng(seed)
    boot: dict[str, list[float]] = {k: [] for k in observed}
    for _ in range(BOOTSTRAP_ROUNDS):
        idx = _bootstrap_rows(len(ref_y), len(rows), rng)
        for k, v in _evaluate(plan, ref_y[idx], ref_yhat[idx], None if ref_p is None else ref_p[idx]).items():
            if k in boot:
                boot[k].append(v)
    sample_id, sample_time = _last_sample(plan, rows)
    outcomes = []
    for metric, value in observed.items():
        values = np.asarray(boot[metric])
        if values.size < 20:
            continue
        worse = values >= value if metric in ERROR_METRICS else values <= value
        p_value = (1 + int(worse.sum())) / (values.size + 1)
        tail = (1 - ALPHA_WARNING, 1 - ALPHA) if metric in ERROR_METRICS else (ALPHA_WARNING, ALPHA)
        warning_level, drift_level = (float(np.quantile(values, t)) for t in tail)
        ref_value = reference["values"].get(metric, float("nan"))
        magnitude = abs(value - ref_value) / abs(ref_value) if ref_value else abs(value - ref_value)
        outcomes.append(QuantityOutcome(
            target=None, metric=None, evaluation_metric=metric,
            level=level_from_p_value(p_value, ALPHA, ALPHA_WARNING), statistic=value, p_value=p_value,
            magnitude=_finite(magnitude) or 0.0, warning_level=warning_level, drift_level=drift_level,
            test="bootstrap", n_rows=len(rows), sample_id=sample_id, sample_timestamp=sample_time,
        ))
    return outcomes


def analyse_production(plan: MonitoringPlan, state: dict[str, Any], frame: pd.DataFrame, *,
                       seed: int = 0) -> list[dict[str, Any]]:
    """Test one production batch (inputs + predictions, and targets where known); updates *state*'s detectors."""
    frame = derive(plan, frame)
    # each column of the batch is sorted (or hashed) once, also for the labelled pass when all rows are labelled
    memo: dict[tuple[Any, ...], Any] = {}
    outcomes = _distribution_outcomes(plan, state, "unlabelled", frame, seed, memo)
    outcomes += analyse_labelled_frame(plan, state, frame, seed=seed, derived=True, memo=memo)
    return [asdict(o) | {"key": o.key} for o in outcomes]


def analyse_labelled(plan: MonitoringPlan, state: dict[str, Any], frame: pd.DataFrame, *,
                     seed: int = 0) -> list[dict[str, Any]]:
    """Test rows whose targets just arrived: concept drift, the error stream and evaluation metrics."""
    outcomes = analyse_labelled_frame(plan, state, derive(plan, frame), seed=seed, derived=True)
    return [asdict(o) | {"key": o.key} for o in outcomes]


def analyse_labelled_frame(plan: MonitoringPlan, state: dict[str, Any], frame: pd.DataFrame, *,
                           seed: int = 0, derived: bool = False,
                           memo: dict[tuple[Any, ...], Any] | None = None) -> list[QuantityOutcome]:
    """The supervised part of an analysis on the labelled rows of *frame* (*memo*: summaries of *frame*'s rows)."""
    if not derived:
        frame = derive(plan, frame)
    labelled = _labelled(plan, frame)
    if labelled.empty:
        return []
    outcomes = _distribution_outcomes(plan, state, "labelled", labelled, seed,
                                      memo if labelled is frame else None)
    error = _error_outcome(plan, state, labelled)
    if error is not None:
        outcomes.append(error)
    outcomes += _evaluation_outcomes(plan, state, labelled, seed)
    return outcomes
