"""Request-scoped dependencies: the database session (one transaction per request) and the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from mlcube_nb.server.rbac import Caller
from mlcube_nb.server.services.accounts import identity
from mlcube_nb.server.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the route returns and rolls back when it raises.

    Used with ``scope="function"`` so the commit happens *before* the response is sent: a client
    that gets a 2xx can rely on the write being visible to its next request.
    """
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


API_KEY_HEADER = APIKeyHeader(
    name="X-Api-Key", scheme_name="ApiKey", auto_error=False,
    description="The caller's API key, sent in the `X-Api-Key` header.",
)
"""The API key as an OpenAPI ``apiKey`` security scheme, so generated clients and fuzzers send it as a header."""


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_caller(
    session: Annotated[Session, Depends(get_session, scope="function")],
    x_api_key: Annotated[str | None, Security(API_KEY_HEADER)] = None,
) -> Caller:
    """The authenticated caller (401 otherwise)."""
    return identity.authenticate(session=session, api_key=x_api_key)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CallerDep = Annotated[Caller, Depends(get_caller, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
