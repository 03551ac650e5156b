"""Every kind of job the runner runs: a pipeline's steps (executor side) joined to its owning service's
claim-time ``prepare`` and completion-time ``finish`` (server side).

Built explicitly when a runner starts (:func:`build_catalog`), so nothing registers itself at import
time and the pipelines never import a service: the job layer is the one place that knows both halves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlcube_nb.server.pipelines import ingest, rag_evaluation, reference, retraining, topic_modeling
from mlcube_nb.server.pipelines.base import Step
from mlcube_nb.server.services.ingest import batch_jobs
from mlcube_nb.server.services.monitoring import references
from mlcube_nb.server.services.reports import lifecycle, retraining_suggestions
from mlcube_nb.server.services.reports import retraining as retraining_service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mlcube_nb.server.db.tables import JobRow

Finish = Callable[["Session", "JobRow", dict[str, Any]], None]
Prepare = Callable[["Session", dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Pipeline:
    """A named job body: steps on the executor, then the finishing write in the server.

    ``finish(session, job, carried)`` runs in the transaction that marks the job completed; ``prepare(session,
    payload)`` (optional) runs when the job is claimed and returns keys merged into its payload — state that
    earlier jobs of the same queue may have changed. Both must be idempotent, like the steps.
    """

    name: str
    steps: tuple[Step, ...]
    finish: Finish
    prepare: Prepare | None = None


def build_catalog() -> dict[str, Pipeline]:
    """The platform's pipelines by name."""
    pipelines = (
        Pipeline("ingest", ingest.STEPS, batch_jobs.finish, batch_jobs.prepare),
        Pipeline("reference", reference.STEPS, references.finish_reference_job),
        Pipeline("retraining_report", retraining.REPORT_STEPS, retraining_service.finish_report_job,
                 retraining_service.prepare_report_job),
        Pipeline("retraining_reference", retraining.REFERENCE_STEPS, retraining_suggestions.finish_reference_job),
        Pipeline("rag_evaluation", rag_evaluation.STEPS, lifecycle.finish_job),
        Pipeline("topic_modeling", topic_modeling.STEPS, lifecycle.finish_job),
    )
    return {p.name: p for p in pipelines}
