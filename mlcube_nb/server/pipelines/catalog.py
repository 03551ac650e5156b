"""Imports every pipeline module so that ``base.PIPELINES`` knows them all (runner and pool workers)."""

from __future__ import annotations

from mlcube_nb.server.pipelines import ingest, reference
from mlcube_nb.server.pipelines.base import PIPELINES, Pipeline

__all__ = ["PIPELINES", "all_pipelines", "ingest", "reference"]


def all_pipelines() -> dict[str, Pipeline]:
    """Every registered pipeline by name."""
    return dict(PIPELINES)
