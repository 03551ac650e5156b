"""Shared fixtures: a real platform over real HTTP, once per database dialect."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mlcube_nb.server.db.engine import make_session_factory, transaction
from mlcube_nb.server.embedded import ServerHandle, serve_in_thread
from mlcube_nb.server.services.accounts import identity
from mlcube_nb.server.settings import Settings

PG_ADMIN_URL = os.environ.get("MLCUBE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


class LogCapture(logging.Handler):
    """Keeps every formatted log line the server writes, so tests can look for leaked secrets."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)


def _postgres_database() -> tuple[str, str] | None:
    """Create a fresh database on the local PostgreSQL; (url, name), or None when none is reachable."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            name = f"mlcube_test_{secrets.token_hex(4)}"
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL at {PG_ADMIN_URL} is unusable: {exc}")
        return None
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}", name


def _drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Platform:
    """A running platform plus helpers to make users directly through the bootstrap service."""

    handle: ServerHandle
    dialect: str
    logs: LogCapture
    _counter: list[int] = field(default_factory=lambda: [0])

    @property
    def url(self) -> str:
        return self.handle.url

    def new_user(self, prefix: str = "user") -> tuple[str, str]:
        """A fresh user without a company: (user_id, api_key)."""
        self._counter[0] += 1
        name = f"{prefix}{self._counter[0]}_{secrets.token_hex(3)}"
        factory = make_session_factory(self.handle.engine)
        with transaction(factory) as session:
            user, key = identity.bootstrap_user(session=session, username=name)
            return user.id, key


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The platform on a real SQLite file or a real PostgreSQL database, served by uvicorn on 127.0.0.1."""
    home: Path = tmp_path_factory.mktemp(f"home-{request.param}")
    pg_name = None
    if request.param == "postgresql":
        created = _postgres_database()
        if created is None:
            pytest.skip(f"no PostgreSQL at {PG_ADMIN_URL}")
        url, pg_name = created
    else:
        url = f"sqlite:///{home / 'mlcube.db'}"
    capture = LogCapture()
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn", "")]
    handle = serve_in_thread(Settings(home=home, database_url=url, log_level="info"))
    for logger in loggers:
        logger.addHandler(capture)
    try:
        yield Platform(handle=handle, dialect=request.param, logs=capture)
    finally:
        for logger in loggers:
            logger.removeHandler(capture)
        handle.stop()
        if pg_name:
            _drop_postgres_database(pg_name)
