"""The daily production-batch quota of a company's plan (``daily_data_batch_upload``)."""

from __future__ import annotations

from datetime import datetime, time, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcube_nb.enums import (
    ErrorCode,
)
from mlcube_nb.server.db.tables import (
    BatchRow,
    ProjectRow,
)
from mlcube_nb.server.errors import Forbidden
from mlcube_nb.server.pipelines.payloads import BatchKind
from mlcube_nb.server.services.ingest.state import Ingest


def check_daily_quota(ingest: Ingest) -> None:
    limit = ingest.settings.daily_data_batch_upload
    company_id = ingest.caller.company_id
    if limit is None or company_id is None:
        return
    if production_batches_today(ingest.session, company_id) >= limit:
        raise Forbidden(ErrorCode.LIMIT_EXCEEDED, f"Your plan allows {limit} production batch uploads a day; try "
                                                  "again tomorrow or raise the limit")


def production_batches_today(session: Session, company_id: str) -> int:
    """Production batches a company uploaded since midnight UTC (the daily_data_batch_upload quota)."""
    midnight = datetime.combine(datetime.now(timezone.utc).date(), time(0), tzinfo=timezone.utc)
    query = (select(func.count()).select_from(BatchRow).join(ProjectRow, ProjectRow.id == BatchRow.project_id)
             .where(ProjectRow.company_id == company_id, BatchRow.kind == BatchKind.PRODUCTION.value,
                    BatchRow.created_at >= midnight))
    return session.scalar(query) or 0
