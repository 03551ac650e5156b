"""The upload endpoint behind presigned URLs (PLATFORM.md §3.1 step 3): no API key, the slot's token instead.

The body is ``multipart/form-data`` (the presigned fields, then one part named ``file``), parsed here
as it arrives; the file part is streamed to ``staging/<slot id>`` in the storage root while its SHA-256
is computed (:class:`~mlcube_nb.server.services.ingest.staging.StagingWriter`), never held in memory whole. The
slot rules (token, single use, checksum) are the upload service's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request, Response
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from mlcube_nb.enums import ErrorCode
from mlcube_nb.server.errors import BadRequest, DomainError
from mlcube_nb.server.services.ingest import staging, uploads
from mlcube_nb.server.storage import Storage

router = APIRouter(tags=["uploads"])

FIELD_LIMIT = 4096
DRAIN_LIMIT = 512 << 20


def _bad(message: str) -> BadRequest:
    return BadRequest(ErrorCode.INVALID_PARAMETERS, message)


@router.post("/upload/{upload_id}", operation_id="upload_file", status_code=204)
async def upload_file(upload_id: str, request: Request) -> Response:
    await _receive(request, upload_id)
    return Response(status_code=204)


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


async def _receive(request: Request, upload_id: str) -> None:
    """Stream the upload into its staged file and mark the slot uploaded; on any failure nothing stays staged."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    storage: Storage = request.app.state.storage
    chunks = request.stream().__aiter__()
    sink: staging.StagingWriter | None = None
    claimed = finished = False
    try:
        reader = _FormReader(_boundary(request))
        async for chunk in chunks:
            for kind, value in reader.feed(chunk):
                if kind == "file_start":
                    if sink is not None:
                        raise _bad("Send exactly one part named 'file'")
                    slot = await run_in_threadpool(uploads.begin, factory, upload_id, reader.fields.get("token"))
                    claimed = True
                    sink = await run_in_threadpool(staging.StagingWriter, storage, staging.staged_rel(slot))
                elif kind == "data" and sink is not None:
                    await sink.add(value)
                elif kind == "file_end":
                    finished = True
        reader.parser.finalize()
        if sink is None or not finished:
            raise _bad("The upload has no complete part named 'file'")
        await sink.close()
        uploads.check_received(slot, sink.digest.hexdigest())
        await run_in_threadpool(uploads.set_status, factory, upload_id, "uploaded", sink.rel, sink.size)
        sink.keep_local_copy()
    except Exception as exc:
        if sink is not None:
            await run_in_threadpool(sink.discard)
        if claimed:
            await run_in_threadpool(uploads.set_status, factory, upload_id, "open")
        if isinstance(exc, DomainError):
            await _drain(chunks)
            raise
        if isinstance(exc, ClientDisconnect):
            raise _bad("The upload was interrupted; send it again") from exc
        raise
