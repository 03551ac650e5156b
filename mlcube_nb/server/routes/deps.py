"""Request-scoped dependencies: the database session (one transaction per request) and the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from mlcube_nb.server.db.engine import nothing_to_end
from mlcube_nb.server.rbac import Caller
from mlcube_nb.server.services.accounts import identity
from mlcube_nb.server.settings import Settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session whose transaction commits when the route returns and rolls back when it raises.

    Used with ``scope="function"`` so the commit happens *before* the response is sent: a client
    that gets a 2xx can rely on the write being visible to its next request. Opening a session does
    no I/O (the connection is taken by the first query), so it happens here on the event loop; the
    commit or rollback runs in the thread pool, unless ending the transaction does no I/O (a SQLite
    connection that only read): each thread-pool hop saved is a wake-up less per request.
    """
    session = request.app.state.session_factory()
    try:
        yield session
    except Exception:
        await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    if nothing_to_end(session):
        _finish(session, commit)
        return
    with anyio.CancelScope(shield=True):  # a client that hangs up must not leave the transaction open
        await run_in_threadpool(_finish, session, commit)


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


API_KEY_HEADER = APIKeyHeader(
    name="X-Api-Key", scheme_name="ApiKey", auto_error=False,
    description="The caller's API key, sent in the `X-Api-Key` header.",
)
"""The API key as an OpenAPI ``apiKey`` security scheme, so generated clients and fuzzers send it as a header."""


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


async def get_caller(
    session: Annotated[Session, Depends(get_session, scope="function")],
    x_api_key: Annotated[str | None, Security(API_KEY_HEADER)] = None,
) -> Caller:
    """The authenticated caller (401 otherwise).

    One indexed read per request. On SQLite (a local file in WAL mode, where a read does not wait for writers)
    it runs on the event loop: a thread-pool hop costs about as much as the query. A database reached over the
    network is read from the thread pool.
    """
    if session.get_bind().dialect.name == "sqlite":
        return identity.authenticate(session=session, api_key=x_api_key)
    return await run_in_threadpool(identity.authenticate, session=session, api_key=x_api_key)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CallerDep = Annotated[Caller, Depends(get_caller, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
