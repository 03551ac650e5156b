"""One engine factory that switches on the URL's dialect, and the session factory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

_HELD_KEY = "mlcube_held_connections"


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the job runner write while API requests read, without "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    # Foreign keys are off by default in SQLite; we rely on them for cascades and integrity.
    cursor.execute("PRAGMA foreign_keys=ON")
    # Wait for a competing writer instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=30000")
    # NORMAL is durable with WAL and much faster than FULL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _private_sqlite_file(database: str | None) -> None:
    """Make the SQLite file (and its -wal/-shm files) readable by the owner only (0600).

    The file holds password and key hashes and encrypted secrets. SQLite creates -wal and -shm
    with the main file's permissions, so fixing the main file (before the first connection) is enough;
    files left by an older version are tightened too.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will report the missing folder itself
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = path.with_name(path.name + suffix)
        if part.exists() and part.stat().st_mode & 0o077:
            part.chmod(0o600)


def make_engine(url: str) -> Engine:
    """Create the engine for *url*: SQLite gets pragmas and thread sharing, PostgreSQL uses psycopg 3."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _private_sqlite_file(parsed.database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit, so services can return what they wrote."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


@event.listens_for(Session, "after_begin")
def _note_connection(session: Session, _: SessionTransaction, connection: Connection) -> None:
    session.info.setdefault(_HELD_KEY, []).append(connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_connections(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD_KEY, None)


def nothing_to_end(session: Session) -> bool:
    """Whether ending *session*'s transaction (commit or rollback) does no I/O, so it may run on an event loop.

    True when no change is pending and every connection the session uses is a SQLite connection that holds
    no transaction (pysqlite opens one only for a write): its commit, rollback and return to the pool are
    then no-ops. A PostgreSQL connection always holds one (even to read), so its session never qualifies.
    """
    if session.new or session.dirty or session.deleted:
        return False
    for connection in session.info.get(_HELD_KEY, ()):
        if connection.dialect.name != "sqlite":
            return False
        try:
            if connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                return False
        except Exception:  # noqa: BLE001 - an invalidated connection: let the thread pool end it
            return False
    return True
