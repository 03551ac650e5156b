"""Database writes every area shares: a flush whose unique constraint lost a race becomes a 409."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode
from mlcube_nb.server.errors import Conflict


def flush_unique(session: Session, message: str, code: ErrorCode = ErrorCode.ALREADY_EXISTS) -> None:
    """Flush pending rows; a unique-constraint violation (a concurrent create) is a Conflict saying *message*.

    The name checks before an insert answer the common case with a clear sentence; this catches the
    request that raced another one between that check and the insert.
    """
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(code, message) from exc
