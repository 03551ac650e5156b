"""Periodic clean-up run by the job runner: expired upload slots, and (once per start) orphan files.

An orphan is a stored file that no ``batch_files``, ``reports``, ``suggestions``, ``performance_estimators`` or
``uploads`` (a staged upload not used yet) row records: written by a request that then failed to commit, or
cut short by a crash (or an estimator a newer reference replaced). Readers never see such files; this only
frees the space.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.server.db.tables import BatchFileRow, PerformanceEstimatorRow, ReportRow, SuggestionRow, UploadRow
from mlcube_nb.server.services.ingest import uploads
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage

log = logging.getLogger("mlcube_nb.jobs")


def housekeeping(settings: Settings, storage: Storage) -> Callable[[Session], None]:
    """The clean-up the runner calls now and then (inside a transaction)."""
    state = {"swept_storage": False}

    def run(session: Session) -> None:
        removed = uploads.sweep(session, storage)
        if removed:
            log.info("removed %d expired upload(s)", removed)
        if not state["swept_storage"]:
            state["swept_storage"] = True
            known = set(session.scalars(select(BatchFileRow.path)))
            known |= {p for p in session.scalars(select(ReportRow.result_path)) if p}
            known |= set(session.scalars(select(SuggestionRow.data_path)))
            known |= {p for p in session.scalars(select(PerformanceEstimatorRow.artefact_path)) if p}
            known |= {p for p in session.scalars(select(UploadRow.staged_path)) if p}  # uploads not yet used
            orphans = storage.sweep(known)
            if orphans:
                log.warning("removed %d stored file(s) no batch refers to: %s", len(orphans), orphans[:10])

    return run
