"""The start-up sweep removes old orphan files only: batches, report results and suggestions are kept."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.db.tables import ReportRow, SuggestionRow
from mlcube_nb.server.jobs.housekeeping import housekeeping
from mlcube_nb.server.storage import Storage
from tests.server.data_helpers import make_ctx


def _old_file(root: Path, rel: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PAR1")
    two_hours_ago = time.time() - 7200
    os.utime(path, (two_hours_ago, two_hours_ago))


def test_sweep_keeps_what_rows_record_and_removes_old_orphans(platform) -> None:
    ctx = make_ctx(platform)
    settings = platform.handle.settings
    root = Path(settings.resolved_storage_url)
    report_rel = f"tasks/{ctx.task_id}/reports/topic_modeling/r1.parquet"
    suggestion_rel = f"tasks/{ctx.task_id}/suggestions/s1.parquet"
    orphan_rel = f"tasks/{ctx.task_id}/orphan.parquet"
    for rel in (report_rel, suggestion_rel, orphan_rel):
        _old_file(root, rel)
    factory = make_session_factory(platform.handle.engine)
    with transaction(factory) as session:
        report = ReportRow(kind="topic_modeling", task_id=ctx.task_id, name="r", status="completed",
                           result_path=report_rel)
        session.add(report)
        session.flush()
        session.add(SuggestionRow(model_id=ctx.model_id, report_id=report.id, suggestion_type="sample_weights",
                                  data_path=suggestion_rel))
    with transaction(factory) as session:
        housekeeping(settings, Storage(settings.resolved_storage_url))(session)
    assert (root / report_rel).exists() and (root / suggestion_rel).exists()
    assert not (root / orphan_rel).exists()
