"""Keep secrets out of logs: API keys travel in a few URL paths (delete_api_key) and must be masked.

The access log records paths without their query string: a client may send anything there
(``?api_key=...``, a presigned token), and the path and status are what an operator needs.
"""

from __future__ import annotations

import logging
import re

_KEY_IN_PATH = re.compile(r"(/(?:user-)?api-key/(?:[^/\s?\"]+/)?)[^/\s?\"]+")


def redact_path(text: str) -> str:
    """Replace the API key segment of any ``/api-key/...`` path in *text* with ``***``."""
    return _KEY_IN_PATH.sub(r"\1***", text)


def without_query(path: str) -> str:
    """*path* without its query string (``?`` and what follows), marked ``?...`` when there was one."""
    head, mark, _ = path.partition("?")
    return head + ("?..." if mark else "")


class RedactingFilter(logging.Filter):
    """A logging filter that masks API keys in a record's message and arguments, and access-log queries."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            args = tuple(redact_path(a) if isinstance(a, str) else a for a in record.args)
            if record.name == "uvicorn.access" and len(args) >= 3 and isinstance(args[2], str):
                args = (*args[:2], without_query(args[2]), *args[3:])  # (client, method, path, version, status)
            record.args = args
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        return True


def install_redaction() -> None:
    """Attach the filter to uvicorn's and our loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error", "mlcube_nb"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
