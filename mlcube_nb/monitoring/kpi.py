"""KPI monitoring (PLATFORM.md §8.6): the first ≥ 300 values form the reference, later batches are tested.

Pure and JSON-able: the state holds the values collected so far and, once frozen, the reference
summary; the same Kolmogorov–Smirnov test as for numeric features decides each later batch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mlcube_nb.monitoring import ReferenceSummary, analyse_batch, summarise_reference
from mlcube_nb.monitoring.task_analysis import ALPHA, ALPHA_WARNING

KPI_REFERENCE_SIZE = 300
MIN_BATCH = 5


def update_kpi(state: dict[str, Any], values: np.ndarray) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Feed one batch of KPI values; return the new state and the batch's outcome (None while collecting)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    state = {"reference_values": list(state.get("reference_values") or []), "reference": state.get("reference")}
    if state["reference"] is None:
        state["reference_values"] += values.tolist()
        if len(state["reference_values"]) >= KPI_REFERENCE_SIZE:
            frame = pd.DataFrame({"value": state["reference_values"]})
            state["reference"] = summarise_reference(frame, ["value"], [], multivariate=False).to_dict()
            state["reference_values"] = []
            return state, {"level": "ok", "statistic": 0.0, "p_value": 1.0, "magnitude": 0.0,
                           "n_rows": len(values), "initialised": True}
        return state, None
    if values.size < MIN_BATCH:
        return state, None
    reference = ReferenceSummary.from_dict(state["reference"])
    result = analyse_batch(reference, pd.DataFrame({"value": values}), alpha=ALPHA, alpha_warning=ALPHA_WARNING)
    target = result.targets["input"]
    p = target.p_value if math.isfinite(target.p_value) else 1.0
    return state, {"level": target.level, "statistic": -math.log10(max(p, 1e-300)), "p_value": p,
                   "magnitude": target.magnitude if math.isfinite(target.magnitude) else 0.0,
                   "n_rows": int(values.size), "initialised": False}
