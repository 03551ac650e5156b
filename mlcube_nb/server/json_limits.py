"""JSON with limits: nesting depth is measured before any recursive parser sees the bytes.

Python's ``json`` raises RecursionError and Arrow's JSON reader crashes the process on input nested
some 100,000 levels deep, so both request bodies (:class:`JsonBodyLimits`, an ASGI middleware) and
uploaded JSON data files (``services.ingest.file_readers``) are measured with :func:`json_depth` first.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlcube_nb.enums import ErrorCode

MAX_JSON_DEPTH = 64
"""Deepest nesting accepted (a request body needs about 6, a data table 3 or 4)."""
MAX_BODY_BYTES = 32 << 20
"""Largest JSON request body: bodies describe uploads, they never carry the data."""
_QUOTED = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'[]{}"')
_CHUNK = 1 << 22


def json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of JSON *raw* (brackets inside strings ignored), counted up to just past *limit*.

    Runs at C speed (bytes methods, one regex, numpy) on a few copies of the input, so it is safe on
    any input, however deep, before a recursive parser sees it.
    """
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = _QUOTED.sub(b"", unescaped.translate(None, _NOT_STRUCTURE))
    depth = peak = 0
    for start in range(0, len(skeleton), _CHUNK):
        steps = np.frombuffer(skeleton[start:start + _CHUNK], dtype=np.uint8)
        running = depth + np.cumsum(np.where((steps == ord("[")) | (steps == ord("{")), 1, -1))
        peak = max(peak, int(running.max()))
        depth = int(running[-1])
        if peak > limit:
            break
    return peak


def _error(status: int, message: str) -> list[Message]:
    body = json.dumps({"errorCode": str(ErrorCode.INVALID_REQUEST), "errorMessage": message}).encode()
    return [{"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]},
            {"type": "http.response.body", "body": body}]


class JsonBodyLimits:
    """Refuse a JSON request body that is too large (413) or nested too deeply (400) before it is parsed."""

    def __init__(self, app: ASGIApp, max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_depth, self.max_bytes = app, max_depth, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay(bytes(body), message, receive), send)
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                return await _send_all(send, _error(413, f"The JSON body is larger than {self.max_bytes >> 20} MiB: "
                                                         "upload data through an upload URL instead"))
            if not message.get("more_body", False):
                break
        if json_depth(bytes(body), self.max_depth) > self.max_depth:
            return await _send_all(send, _error(400, f"The JSON body is nested more than {self.max_depth} levels "
                                                     "deep; send the documented request shape"))
        await self.app(scope, _replay(bytes(body), None, receive), send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _replay(body: bytes, last: Message | None, receive: Receive) -> Receive:
    """A receive callable that hands the app the body read so far, then what the client sends next."""
    pending: list[Any] = [{"type": "http.request", "body": body, "more_body": last is not None}]
    if last is not None:
        pending.append(last)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)
