"""Imports every pipeline module so that ``base.PIPELINES`` knows them all (runner and pool workers)."""

from __future__ import annotations

from mlcube_nb.server.pipelines import ingest, rag_evaluation, reference, retraining, topic_modeling
from mlcube_nb.server.pipelines.base import PIPELINES, Pipeline

__all__ = ["PIPELINES", "all_pipelines", "ingest", "rag_evaluation", "reference", "retraining", "topic_modeling"]


def all_pipelines() -> dict[str, Pipeline]:
    """Every registered pipeline by name."""
    return dict(PIPELINES)
