"""THE place where monitoring plugs into the data plane (ingest and reference pipelines call these).

Nothing here does any analysis yet: every function is a no-op the monitoring work replaces. Two
halves, matching the pipeline contract of :mod:`mlcube_nb.server.pipelines.base`:

- ``analyse_*`` run on the executor (process pool / Dask worker), after the batch or reference has
  been stored. They get a ``context`` (task, schema columns, models — plain JSON) and a
  :class:`~mlcube_nb.server.pipelines.base.DataView` to read the stored Parquet, and return a
  JSON-able result (or None). No database access here.
- ``store_*`` run in the server, inside the transaction that marks the job completed, with that
  result: write statistics, statuses and detection events there (``services.monitoring_results``),
  and they land together with the job's completion or not at all.

Call order: a production batch -> ``analyse_batch("production", ...)`` then ``store_batch``; a
historical / target / KPI batch the same with its kind; ``set_model_reference`` and
``update_model_version_from_time_range`` -> ``analyse_reference`` then ``store_reference``.
Jobs are re-run after a crash, so ``store_*`` must be idempotent for one job (e.g. key rows by
``context["batch_id"]`` or ``context["model_id"]``).

``context`` keys: ``task`` (id, type, data_structure, optional_target, positive_class, project_id),
``schema`` (list of ColumnInfo dicts), ``models`` (id, name, version, with_probabilistic_output),
``batch_id`` / ``kind`` / ``data_batch_type`` for batches, ``model_id`` / ``intervals`` for references,
``kpi`` (id, name, project_id) for KPI batches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mlcube_nb.server.pipelines.base import DataView


def analyse_batch(kind: str, context: dict[str, Any], data: DataView) -> dict[str, Any] | None:
    """Analyse a stored batch (``kind``: historical | production | target | kpi) on the executor."""
    return None


def store_batch(session: Session, kind: str, context: dict[str, Any], result: dict[str, Any] | None) -> None:
    """Write what :func:`analyse_batch` returned, in the job-completion transaction."""
    return None


def analyse_reference(context: dict[str, Any], data: DataView) -> dict[str, Any] | None:
    """Summarise a model's new reference data (restricted to its time intervals) on the executor."""
    return None


def store_reference(session: Session, context: dict[str, Any], result: dict[str, Any] | None) -> None:
    """Write what :func:`analyse_reference` returned, in the job-completion transaction."""
    return None
