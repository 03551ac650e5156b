"""Upload slots (PLATFORM.md §3.2–3.4): hand out a presigned URL, receive the file, verify its checksum.

A slot is single use, expires after ``Settings.upload_ttl_s`` (``MLCUBE_UPLOAD_TTL_S``, default one hour)
both for the upload and for the add_* request that uses it, and is unguessable: the URL names the slot
and the form fields carry a random token of which only the SHA-256 is stored. The upload is a
``multipart/form-data`` POST (the fields, then a part named ``file``) answered ``204``. The file is
streamed to a staging file under ``MLCUBE_HOME/uploads`` while its SHA-256 is computed, never held in
memory whole; a checksum other than the announced one is refused and the bytes deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import queue
import re
import secrets
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from mlcube_nb.enums import ErrorCode
from mlcube_nb.models import GetPresignedUrlRequest, PresignedUrl, PresignedUrlResponse
from mlcube_nb.server.db.base import utcnow
from mlcube_nb.server.db.engine import transaction
from mlcube_nb.server.db.tables import DataSchemaRow, UploadRow
from mlcube_nb.server.errors import BadRequest, DomainError, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.services import kpis, models, tasks
from mlcube_nb.server.settings import Settings

log = logging.getLogger("mlcube_nb.uploads")

FIELD_LIMIT = 4096
DRAIN_LIMIT = 512 << 20
_CHECKSUM = re.compile(r"^[0-9a-f]{64}$")


def staging_dir(settings: Settings) -> Path:
    """Where uploads wait for their add_* request (same disk as the default storage: moves are renames)."""
    path = settings.home / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def _begin(factory: sessionmaker[Session], upload_id: str, token: str | None) -> UploadRow:
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


def _set_status(factory: sessionmaker[Session], upload_id: str, status: str, path: str | None = None,
                size: int | None = None) -> None:
    with transaction(factory) as session:
        session.execute(update(UploadRow).where(UploadRow.id == upload_id)
                        .values(status=status, staged_path=path, size=size))


# --- the multipart stream ---------------------------------------------------------------------------


class _FormReader:
    """Incremental ``multipart/form-data`` reader: small fields into a dict, the ``file`` part as events."""

    def __init__(self, boundary: bytes) -> None:
        self.fields: dict[str, str] = {}
        self.events: list[tuple[str, Any]] = []
        self._header_field = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._is_file = False
        self._value = bytearray()
        callbacks: Any = {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field_cb,
            "on_header_value": self._header_value_cb, "on_headers_finished": self._headers_done,
            "on_part_data": self._part_data, "on_part_end": self._part_end,
        }
        self.parser = MultipartParser(boundary, callbacks)

    def _part_begin(self) -> None:
        self._headers, self._header_field, self._value = {}, b"", bytearray()

    def _header_field_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_field = bytes(data[start:end]).lower()

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._header_field] = self._headers.get(self._header_field, b"") + bytes(data[start:end])

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = self._name == "file"
        if self._is_file:
            self.events.append(("file_start", options.get(b"filename", b"").decode("utf-8", "replace")))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:  # the whole chunk is file bytes most of the time: no copy then
            self.events.append(("data", data if start == 0 and end == len(data) else bytes(data[start:end])))
        elif len(self._value) + end - start <= FIELD_LIMIT:
            self._value += data[start:end]
        else:
            raise _bad(f"Form field {self._name!r} is too long")

    def _part_end(self) -> None:
        if self._is_file:
            self.events.append(("file_end", None))
        elif self._name:
            self.fields[self._name] = self._value.decode("utf-8", "replace")

    def feed(self, chunk: bytes) -> list[tuple[str, Any]]:
        self.parser.write(chunk)
        events, self.events = self.events, []
        return events


class _Sink:
    """The staging file, written (and hashed) by a thread of its own while the upload keeps arriving.

    A bounded queue sits in between: when the disk is slower than the network, the upload waits for
    room (without blocking the event loop), so memory stays at a few megabytes whatever the file size.
    """

    QUEUE_CHUNKS = 64

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = open(path, "wb")  # noqa: SIM115 - closed by close() / discard()
        self.digest = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUE_CHUNKS)
        self._thread = threading.Thread(target=self._write_all, name="mlcube-upload", daemon=True)
        self._thread.start()

    def _write_all(self) -> None:
        while (data := self._queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so the producer never blocks on a dead writer
            try:
                self.digest.update(data)
                self.handle.write(data)
                self.size += len(data)
            except BaseException as exc:  # noqa: BLE001 - reported by close()
                self.error = exc

    async def add(self, data: bytes) -> None:
        try:
            self._queue.put_nowait(data)
        except queue.Full:
            await run_in_threadpool(self._queue.put, data)

    async def close(self) -> None:
        """Wait for the writer to finish; raise what it met."""
        await self.add(None)  # type: ignore[arg-type]
        await run_in_threadpool(self._thread.join)
        self.handle.close()
        if self.error is not None:
            raise self.error

    def discard(self) -> None:
        if self._thread.is_alive():
            self.error = self.error or RuntimeError("discarded")
            self._queue.put(None)
            self._thread.join()
        self.handle.close()
        self.path.unlink(missing_ok=True)


def _boundary(request: Request) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise _bad("Upload with a multipart/form-data POST: the presigned fields, then the file in a part "
                   "named 'file'")
    return boundary


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what the client is still sending, so it gets our answer rather than a reset connection."""
    seen = 0
    try:
        async for chunk in chunks:
            seen += len(chunk)
            if seen > DRAIN_LIMIT:
                return
    except ClientDisconnect:
        return


async def receive(request: Request, upload_id: str) -> None:
    """Stream the upload into its staging file and mark the slot uploaded (see the module docstring)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    settings: Settings = request.app.state.settings
    chunks = request.stream().__aiter__()
    sink: _Sink | None = None
    claimed = finished = False
    try:
        reader = _FormReader(_boundary(request))
        async for chunk in chunks:
            for kind, value in reader.feed(chunk):
                if kind == "file_start":
                    if sink is not None:
                        raise _bad("Send exactly one part named 'file'")
                    slot = await run_in_threadpool(_begin, factory, upload_id, reader.fields.get("token"))
                    claimed = True
                    path = staging_dir(settings) / f"{slot.id}.upload"
                    sink = await run_in_threadpool(_Sink, path)
                elif kind == "data" and sink is not None:
                    await sink.add(value)
                elif kind == "file_end":
                    finished = True
        reader.parser.finalize()
        if sink is None or not finished:
            raise _bad("The upload has no complete part named 'file'")
        await sink.close()
        if sink.digest.hexdigest() != slot.checksum:
            raise _bad(f"The uploaded file's SHA-256 is {sink.digest.hexdigest()}, not the announced "
                       f"{slot.checksum}: the file changed or was damaged in transit; upload it again",
                       ErrorCode.CHECKSUM_MISMATCH)
        await run_in_threadpool(_set_status, factory, upload_id, "uploaded", str(sink.path), sink.size)
    except Exception as exc:
        if sink is not None:
            await run_in_threadpool(sink.discard)
        if claimed:
            await run_in_threadpool(_set_status, factory, upload_id, "open")
        if isinstance(exc, DomainError):
            await _drain(chunks)
            raise
        if isinstance(exc, ClientDisconnect):
            raise _bad("The upload was interrupted; send it again") from exc
        raise


# --- use by add_* requests, and housekeeping -----------------------------------------------------------


def take(session: Session, upload_id: str, *, task_id: str | None, kpi_id: str | None) -> UploadRow:
    """The uploaded slot an add_* body names, checked to belong to this task (or KPI)."""
    row = session.get(UploadRow, upload_id)
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
    if row.status != "uploaded" or not row.staged_path or not os.path.exists(row.staged_path):
        raise _bad(f"storing_process_id {upload_id} has no uploaded file (never uploaded, or already used): "
                   "upload the file again", ErrorCode.UPLOAD_EXPIRED)
    return row


def forget(factory: sessionmaker[Session], upload_ids: list[str], *, user_id: str) -> None:
    """Delete the caller's slots and their staged files after a refused request (used ones go with it)."""
    if not upload_ids:
        return
    mine = (UploadRow.id.in_(upload_ids), UploadRow.user_id == user_id)
    with transaction(factory) as session:
        paths = session.scalars(select(UploadRow.staged_path).where(*mine)).all()
        session.execute(delete(UploadRow).where(*mine))
    for path in paths:
        if path:
            Path(path).unlink(missing_ok=True)


def sweep(session: Session, settings: Settings) -> int:
    """Delete expired slots and staged files nobody refers to; returns how many files went."""
    now = utcnow()
    grace = now - timedelta(hours=1)
    expired = session.scalars(select(UploadRow).where(
        UploadRow.expires_at <= now, (UploadRow.status != "receiving") | (UploadRow.expires_at <= grace))).all()
    removed = 0
    for row in expired:
        if row.staged_path:
            Path(row.staged_path).unlink(missing_ok=True)
            removed += 1
        session.delete(row)
    known = {p for p in session.scalars(select(UploadRow.staged_path)) if p}
    for path in staging_dir(settings).iterdir():
        if str(path) not in known and path.stat().st_mtime < grace.timestamp():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
