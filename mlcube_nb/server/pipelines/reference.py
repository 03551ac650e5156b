"""Reference pipeline: a model's reference is the task's stored samples inside some time intervals.

Used by ``set_model_reference`` and ``update_model_version_from_time_range`` (the latter after the
request created the new model version). The request checked the size rule; the job measures the
reference (rows, time span), lets monitoring summarise it, and records it on the model — replacing
any earlier reference, so running it twice gives the same row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc

from mlcube_nb.server.pipelines import estimation, hooks
from mlcube_nb.server.pipelines.base import release_memory, view_of

if TYPE_CHECKING:

    pass


def measure(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 1: how many samples the intervals hold and the time span they cover."""
    view = view_of(payload)
    category = payload.get("sample_category", "input")
    times = view.table(category, columns=[view.time_column])[view.time_column]
    bounds = pc.min_max(times) if len(times) else None
    release_memory()
    return {**carried, "n_rows": len(times),
            "time_min": bounds["min"].as_py() if bounds else None,
            "time_max": bounds["max"].as_py() if bounds else None}


def analyse(payload: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """Step 2: the monitoring hook summarising the reference."""
    analysis = hooks.analyse_reference(payload["context"], view_of(payload))
    release_memory()
    return {**carried, "analysis": analysis}


STEPS = (measure, analyse, estimation.fit_step)
"""The reference job's steps; ``services/monitoring/references.py`` records what they found when the job finishes."""
