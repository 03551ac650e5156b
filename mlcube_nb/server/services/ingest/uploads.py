"""Upload slots (PLATFORM.md §3.2–3.4): hand out a presigned URL, receive the file, verify its checksum.

A slot is single use, expires after ``Settings.upload_ttl_s`` (``MLCUBE_UPLOAD_TTL_S``, default one hour)
both for the upload and for the add_* request that uses it, and is unguessable: the URL names the slot
and the form fields carry a random token of which only the SHA-256 is stored. The upload is a
``multipart/form-data`` POST (the fields, then a part named ``file``) answered ``204``; the route
parses it and streams the file to ``staging/<slot id>`` in the storage root (:mod:`.staging`) while its
SHA-256 is computed. This service keeps the slots: open, claim, mark uploaded, take, forget, sweep.
Slots are rows and staged files live in the shared storage root, so the upload and the add_* request
that uses it may reach different servers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from mlcube_nb.enums import ErrorCode
from mlcube_nb.models import GetPresignedUrlRequest, PresignedUrl, PresignedUrlResponse
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import transaction
from mlcube_nb.server.db.tables import DataSchemaRow, UploadRow
from mlcube_nb.server.errors import BadRequest, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services.catalog import kpis, models, tasks
from mlcube_nb.server.services.ingest import staging
from mlcube_nb.server.settings import Settings
from mlcube_nb.server.storage import Storage

log = logging.getLogger("mlcube_nb.uploads")

_CHECKSUM = re.compile(r"^[0-9a-f]{64}$")
RECEIVING_GRACE = timedelta(hours=1)
"""How long past its expiry a slot still receiving is left alone (a long upload may still be arriving)."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _bad(message: str, code: ErrorCode = ErrorCode.INVALID_PARAMETERS) -> BadRequest:
    return BadRequest(code, message)


# --- slots ----------------------------------------------------------------------------------------


def create_slot(*, session: Session, caller: Caller, settings: Settings, query: GetPresignedUrlRequest,
                base_url: str) -> PresignedUrlResponse:
    """Open an upload slot for one file of a task (or KPI); needs WORK_ON_PROJECT."""
    work = ProjectPermission.WORK_ON_PROJECT
    task_id = kpi_id = None
    if query.kpi_id:
        kpi = kpis.get_or_raise(session, caller, query.kpi_id, work)
        if query.project_id and query.project_id != kpi.project_id:
            raise _bad(f"KPI {kpi.id} does not belong to project {query.project_id}")
        project_id, kpi_id = kpi.project_id, kpi.id
    elif query.task_id:
        task = tasks.get_or_raise(session, caller, query.task_id, work)
        project_id, task_id = task.project_id, task.id
        if session.get(DataSchemaRow, task.id) is None:
            raise NotFound(ErrorCode.SCHEMA_NOT_FOUND, f"Task {task.id} has no data schema yet: add one with "
                                                       "add_data_schema before uploading data")
    else:
        raise _bad("An upload needs a task_id (or a project_id and kpi_id for KPI data)")
    if query.model_id:
        model = models.get_or_raise(session, caller, query.model_id, work)
        if model.task_id != task_id:
            raise _bad(f"Model {model.id} does not belong to task {task_id}")
    checksum = query.file_checksum.lower()
    if not _CHECKSUM.match(checksum):
        raise _bad("file_checksum must be the SHA-256 of the file as 64 hexadecimal characters")
    file_name = os.path.basename(query.file_name.replace("\\", "/"))
    if not file_name:
        raise _bad("file_name must name the file, e.g. data.csv")
    token = secrets.token_urlsafe(32)
    row = UploadRow(
        token_hash=_token_hash(token), user_id=caller.user_id, project_id=project_id, task_id=task_id,
        kpi_id=kpi_id, model_id=query.model_id, storing_data_type=query.storing_data_type.value,
        data_category=query.data_category.value if query.data_category else None,
        data_structure=query.data_structure.value, file_name=file_name, file_type=query.file_type.value,
        is_folder=query.is_folder, folder_type=query.folder_type.value if query.folder_type else None,
        checksum=checksum, status="open", expires_at=utcnow() + timedelta(seconds=settings.upload_ttl_s),
    )
    session.add(row)
    session.flush()
    url = f"{(settings.public_url or base_url).rstrip('/')}/upload/{row.id}"
    return PresignedUrlResponse(storing_process_id=row.id,
                                presigned_url=PresignedUrl(url=url, fields={"key": row.id, "token": token}),
                                expiration_time=row.expires_at.isoformat())


def begin(factory: sessionmaker[Session], upload_id: str, token: str | None) -> UploadRow:
    """Check the token and take the slot for this upload (open -> receiving), atomically."""
    with transaction(factory) as session:
        row = session.get(UploadRow, upload_id)
        if row is None or token is None or not hmac.compare_digest(row.token_hash, _token_hash(token)):
            raise NotFound(ErrorCode.UPLOAD_EXPIRED, "Unknown upload URL or wrong token: ask for a new upload URL")
        if row.expires_at <= utcnow():
            raise _bad("This upload URL has expired: ask for a new one", ErrorCode.UPLOAD_EXPIRED)
        taken = cast(CursorResult[Any], session.execute(
            update(UploadRow).where(UploadRow.id == upload_id, UploadRow.status == "open")
            .values(status="receiving"))).rowcount
        if taken != 1:
            raise _bad("This upload URL was already used (an upload URL is single use): ask for a new one",
                       ErrorCode.UPLOAD_EXPIRED)
        return row


def check_received(slot: UploadRow, sha256: str) -> None:
    """Refuse a received file whose SHA-256 is not the one the slot announced."""
    if sha256 != slot.checksum:
        raise _bad(f"The uploaded file's SHA-256 is {sha256}, not the announced {slot.checksum}: the file changed "
                   "or was damaged in transit; upload it again", ErrorCode.CHECKSUM_MISMATCH)


def set_status(factory: sessionmaker[Session], upload_id: str, status: str, path: str | None = None,
               size: int | None = None) -> None:
    """Mark a slot ``uploaded`` (with its staged file) or ``open`` again after a failed upload."""
    with transaction(factory) as session:
        session.execute(update(UploadRow).where(UploadRow.id == upload_id)
                        .values(status=status, staged_path=path, size=size))


# --- use by add_* requests, and housekeeping -----------------------------------------------------------


def take(session: Session, storage: Storage, upload_id: str, *, task_id: str | None, kpi_id: str | None) -> UploadRow:
    """The uploaded slot an add_* body names, checked to belong to this task (or KPI).

    The row is locked (on PostgreSQL) until the request ends, so two servers cannot both use one upload.
    """
    row = session.get(UploadRow, upload_id, with_for_update=True)
    if row is None:
        raise _bad(f"storing_process_id {upload_id} is unknown, already used by an earlier request, or was "
                   "discarded after a refused one: ask for a new upload URL and upload the file again",
                   ErrorCode.UPLOAD_EXPIRED)
    if row.task_id != task_id or row.kpi_id != kpi_id:
        owner = f"task {task_id}" if task_id else f"KPI {kpi_id}"
        raise _bad(f"storing_process_id {upload_id} is not an upload of {owner}: ask for an upload URL for "
                   "this task and upload the file again", ErrorCode.UPLOAD_EXPIRED)
    if row.expires_at <= utcnow():
        raise _bad(f"storing_process_id {upload_id} expired at {row.expires_at.isoformat()} (an upload must be "
                   "used within its slot's lifetime): upload the file again", ErrorCode.UPLOAD_EXPIRED)
    if row.status != "uploaded" or not _is_staged(storage, row.staged_path):
        raise _bad(f"storing_process_id {upload_id} has no uploaded file (never uploaded, or already used): "
                   "upload the file again", ErrorCode.UPLOAD_EXPIRED)
    return row


def _is_staged(storage: Storage, path: str | None) -> bool:
    """Whether a slot's staged file is in the storage root (an absolute path is a pre-0.2 local staging file)."""
    return bool(path) and not os.path.isabs(path or "") and storage.exists(path or "")


def _remove(storage: Storage, paths: list[str | None]) -> None:
    """Delete staged files; absolute paths are local staging files of older versions."""
    for path in paths:
        if path and os.path.isabs(path):
            Path(path).unlink(missing_ok=True)
    staging.remove(storage, [p for p in paths if p and not os.path.isabs(p)])


def forget(factory: sessionmaker[Session], storage: Storage, upload_ids: list[str], *, user_id: str) -> None:
    """Delete the caller's slots and their staged files after a refused request (used ones go with it)."""
    if not upload_ids:
        return
    mine = (UploadRow.id.in_(upload_ids), UploadRow.user_id == user_id)
    with transaction(factory) as session:
        paths = list(session.scalars(select(UploadRow.staged_path).where(*mine)).all())
        session.execute(delete(UploadRow).where(*mine))
    _remove(storage, paths)


def sweep(session: Session, storage: Storage) -> int:
    """Delete expired slots and staged files of no slot; returns how many files went.

    Every server runs this: rows go with one DELETE each (a slot another server removed first is simply
    not counted) and a staged file is removed only once no slot names it and it is an hour old.
    """
    now = utcnow()
    expired = session.execute(select(UploadRow.id, UploadRow.staged_path).where(
        UploadRow.expires_at <= now,
        (UploadRow.status != "receiving") | (UploadRow.expires_at <= now - RECEIVING_GRACE))).all()
    paths: list[str | None] = []
    for upload_id, path in expired:
        gone = cast(CursorResult[Any], session.execute(delete(UploadRow).where(UploadRow.id == upload_id))).rowcount
        if gone == 1:
            paths.append(path)
    session.flush()
    _remove(storage, paths)
    removed = sum(1 for p in paths if p)
    slots = session.execute(select(UploadRow.id, UploadRow.staged_path, UploadRow.status)).all()
    removed += len(staging.sweep(storage, {slot.id for slot in slots}, RECEIVING_GRACE.total_seconds()))
    staged = {slot.staged_path for slot in slots if slot.status == "uploaded" and slot.staged_path}
    staging.LOCAL_COPIES.sweep(storage, staged, RECEIVING_GRACE.total_seconds())
    return removed
