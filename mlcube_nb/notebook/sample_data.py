"""Synthetic data for the notebooks and the demo: a churn classifier, support tickets and a KPI, all from numpy.

Nothing is downloaded: every batch is generated from a seed, so the notebooks run offline and give the
same numbers each time. ``drift`` moves the customers (older contracts, higher bills, more support calls)
and weakens the model's hold on them, so a drifting batch trips the input, prediction and error monitors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlcube_nb.enums import ColumnRole, DataType
from mlcube_nb.models import ColumnInfo, DataFrameDataSource, DataSchema, TabularData, TextData

__all__ = [
    "CONTRACTS",
    "START",
    "ChurnBatch",
    "churn_batch",
    "churn_schema",
    "kpi_series",
    "ticket_batch",
    "ticket_schema",
]

START = 1_704_067_200.0  # 2024-01-01 00:00 UTC: the first sample's timestamp (seconds)
STEP = 60.0  # one sample a minute
CONTRACTS = ["monthly", "yearly", "two_year"]
TOPICS = {
    "billing": ["my invoice is wrong", "I was charged twice", "please refund the extra fee"],
    "network": ["no signal at home", "the connection drops every evening", "very slow internet today"],
    "account": ["how do I change my password", "update my address please", "close my old account"],
}


def _column(name: str, role: ColumnRole, data_type: DataType, possible_values: list[str | int | bool] | None = None
            ) -> ColumnInfo:
    return ColumnInfo(name=name, role=role, is_nullable=False, data_type=data_type, possible_values=possible_values)


def churn_schema() -> DataSchema:
    """The churn task's columns: id, timestamp, four inputs and the 0/1 ``churned`` target."""
    return DataSchema(columns=[
        _column("customer_id", ColumnRole.ID, DataType.STRING),
        _column("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
        _column("tenure_months", ColumnRole.INPUT, DataType.FLOAT),
        _column("monthly_charges", ColumnRole.INPUT, DataType.FLOAT),
        _column("support_calls", ColumnRole.INPUT, DataType.FLOAT),
        _column("contract", ColumnRole.INPUT, DataType.CATEGORICAL, possible_values=list(CONTRACTS)),
        _column("churned", ColumnRole.TARGET, DataType.CATEGORICAL, possible_values=[0, 1]),
    ])


@dataclass(frozen=True)
class ChurnBatch:
    """One batch of the churn task, split the way the platform takes it (inputs, target, predictions)."""

    frame: pd.DataFrame
    prediction_column: str
    probability_column: str

    @property
    def from_timestamp(self) -> float:
        """Timestamp of the batch's first sample."""
        return float(self.frame["timestamp"].min())

    @property
    def to_timestamp(self) -> float:
        """Timestamp of the batch's last sample."""
        return float(self.frame["timestamp"].max())

    def _part(self, *columns: str) -> TabularData:
        return TabularData(source=DataFrameDataSource(dataframe=self.frame[["customer_id", "timestamp", *columns]]))

    @property
    def inputs(self) -> TabularData:
        """The input columns, ready for ``add_*_data(inputs=...)``."""
        return self._part("tenure_months", "monthly_charges", "support_calls", "contract")

    @property
    def target(self) -> TabularData:
        """The labels, ready for ``add_*_data(target=...)``."""
        return self._part("churned")

    @property
    def predictions(self) -> TabularData:
        """The model's predictions and probabilities, for ``predictions=[(model_id, ...)]``."""
        return self._part(self.prediction_column, self.probability_column)

    @property
    def error_rate(self) -> float:
        """Share of samples the model got wrong (what the error monitor watches)."""
        return float((self.frame[self.prediction_column] != self.frame["churned"]).mean())


def _churn_logit(tenure: np.ndarray, charges: np.ndarray, calls: np.ndarray, contract: np.ndarray) -> np.ndarray:
    """The churn law the model learnt: short tenure, high bills, many calls and monthly contracts churn."""
    return -0.06 * tenure + 0.035 * (charges - 70) + 0.45 * (calls - 2) + np.where(contract == "monthly", 1.0, -0.8)


def churn_batch(n: int, *, start_index: int = 0, seed: int = 0, drift: float = 0.0,
                model_name: str = "churn-model", model_version: str = "v1") -> ChurnBatch:
    """``n`` customers starting at sample ``start_index``; ``drift`` in [0, 1] moves inputs and the churn law."""
    if n < 1 or not 0.0 <= drift <= 1.0:
        raise ValueError("n must be positive and drift between 0 and 1")
    rng = np.random.default_rng(seed)
    tenure = np.clip(rng.gamma(2.0, 12.0, n) - 30 * drift, 0, None)
    charges = rng.normal(70 + 35 * drift, 15, n)
    calls = rng.poisson(2 + 4 * drift, n).astype(float)
    shares = np.array([0.5 + 0.3 * drift, 0.3 - 0.15 * drift, 0.2 - 0.15 * drift])
    contract = rng.choice(CONTRACTS, size=n, p=shares / shares.sum())
    logit = _churn_logit(tenure, charges, calls, contract)
    believed = 1 / (1 + np.exp(-logit))
    # A drift also changes the law itself (concept drift): it fades, then turns, so the model goes wrong.
    actual = 1 / (1 + np.exp(-logit * (1 - 1.6 * drift)))
    churned = (rng.random(n) < actual).astype(int)
    prediction, probability = f"{model_name}@{model_version}", f"{model_name}_probability@{model_version}"
    index = np.arange(start_index, start_index + n)
    frame = pd.DataFrame({
        "customer_id": [f"c{i:06d}" for i in index], "timestamp": START + STEP * index,
        "tenure_months": tenure.round(1), "monthly_charges": charges.round(2), "support_calls": calls,
        "contract": contract, "churned": churned, prediction: (believed > 0.5).astype(int),
        probability: believed.round(4),
    })
    return ChurnBatch(frame, prediction, probability)


def ticket_schema() -> DataSchema:
    """A text task: support tickets (``text``) classified by topic (``topic``)."""
    return DataSchema(columns=[
        _column("ticket_id", ColumnRole.ID, DataType.STRING),
        _column("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
        _column("text", ColumnRole.INPUT, DataType.STRING),
        _column("topic", ColumnRole.TARGET, DataType.CATEGORICAL, possible_values=list(TOPICS)),
    ])


def ticket_batch(n: int, *, start_index: int = 0, seed: int = 0, drift: float = 0.0) -> tuple[TextData, TabularData]:
    """``n`` tickets as (inputs, target); with ``drift`` they grow long and angry, and billing dominates."""
    rng = np.random.default_rng(seed)
    shares = np.array([1 + 3 * drift, 1.0, 1.0])
    topics = rng.choice(list(TOPICS), size=n, p=shares / shares.sum())
    texts = []
    for topic in topics:
        text = str(rng.choice(TOPICS[topic]))
        if rng.random() < drift:
            text += " and this is unacceptable, I am very angry, nothing works and nobody answers"
        texts.append(text)
    index = np.arange(start_index, start_index + n)
    ids, stamps = [f"t{i:06d}" for i in index], START + STEP * index
    inputs = pd.DataFrame({"ticket_id": ids, "timestamp": stamps, "text": texts})
    target = pd.DataFrame({"ticket_id": ids, "timestamp": stamps, "topic": topics})
    return (TextData(source=DataFrameDataSource(dataframe=inputs)),
            TabularData(source=DataFrameDataSource(dataframe=target)))


def kpi_series(days: int, *, seed: int = 0, drop_after: int | None = None) -> pd.DataFrame:
    """A daily business KPI (``timestamp``, ``value``); from day ``drop_after`` on it falls by a third."""
    rng = np.random.default_rng(seed)
    value = 1000 + rng.normal(0, 30, days)
    if drop_after is not None:
        value[drop_after:] *= 2 / 3
    return pd.DataFrame({"timestamp": START + 86_400.0 * np.arange(days), "value": value.round(1)})
