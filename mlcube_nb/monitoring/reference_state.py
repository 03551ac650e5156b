"""Which parts of a model's reference state batches advance; light, so the server imports it at start.

A reference state (:func:`~mlcube_nb.monitoring.task_analysis.build_reference`) is fixed when the
reference is set, except the keys below, which each batch's analysis may advance (sequential detectors
carry their state from batch to batch). A server keeps the fixed part parsed and writes back only these.
"""

from __future__ import annotations

from typing import Any

#: Keys of a reference state that batches advance: the error stream's sequential detector, and the
#: per-column evidence of the last batch's WARNING columns for the two-batch rule
#: (:mod:`~mlcube_nb.monitoring.carry`; a few numbers per column, strict JSON).
CARRIED_KEYS = ("error", "carry")


def carried_part(state: dict[str, Any]) -> dict[str, Any]:
    """The part of *state* a batch may have advanced (:data:`CARRIED_KEYS`), to store after the batch."""
    return {key: state[key] for key in CARRIED_KEYS if key in state}
