"""Where the Arthur client's settings come from, and the refusal of plain http to remote hosts.

Each setting is taken from the first of: the constructor argument, the ``config`` object or mapping,
the ``ARTHUR_*`` environment variable, our own ``MLCUBE_*`` variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mlcube_nb.arthur.exceptions import ArthurUserError

__all__ = ["ENV_FALLBACKS", "LOCAL_HOSTS", "ClientSettings", "check_url", "resolve"]

ENV_FALLBACKS: dict[str, tuple[str, ...]] = {
    "url": ("ARTHUR_ENDPOINT_URL", "MLCUBE_URL"),
    "access_key": ("ARTHUR_API_KEY", "MLCUBE_API_KEY"),
    "organization_id": ("ARTHUR_ORGANIZATION_ID",),
}
"""Environment variables read, in order, for the settings not given in code."""

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""Hosts plain http may reach without ``allow_insecure`` (nothing leaves the machine)."""


@dataclass(frozen=True)
class ClientSettings:
    """The client's resolved settings; the password is kept out of the repr."""

    url: str | None
    access_key: str | None = field(repr=False)
    login: str | None
    password: str | None = field(repr=False)
    organization_id: str | None
    verify_ssl: bool
    offline: bool
    allow_insecure: bool


def _from_config(config: Any, name: str) -> Any:
    """A field of *config*, which may be None, a mapping or any object with attributes."""
    if config is None:
        return None
    if isinstance(config, Mapping):
        return config.get(name)
    return getattr(config, name, None)


def _first(explicit: Any, config: Any, name: str) -> Any:
    """The argument, else the config's field, else the first environment variable that is set."""
    for value in (explicit, _from_config(config, name)):
        if value is not None:
            return value
    for variable in ENV_FALLBACKS.get(name, ()):
        if os.environ.get(variable):
            return os.environ[variable]
    return None


def resolve(config: Any, **given: Any) -> ClientSettings:
    """Merge arguments, config and environment; a login and an access key exclude each other."""
    login = given["login"] if given["login"] is not None else _from_config(config, "login")
    password = given["password"] if given["password"] is not None else _from_config(config, "password")
    if (login is None) != (password is None):
        raise ArthurUserError("Give both login and password to log in with a username, or neither")
    explicit_key = given["access_key"] if given["access_key"] is not None else _from_config(config, "access_key")
    if login is not None and explicit_key is not None:
        raise ArthurUserError("Give either access_key or login and password, not both")
    verify_ssl = _first(given["verify_ssl"], config, "verify_ssl")
    return ClientSettings(
        url=_first(given["url"], config, "url"),
        access_key=None if login is not None else _first(explicit_key, None, "access_key"),
        login=login, password=password,
        organization_id=_first(given["organization_id"], config, "organization_id"),
        verify_ssl=True if verify_ssl is None else bool(verify_ssl),
        offline=bool(given["offline"] or _from_config(config, "offline")),
        allow_insecure=bool(given["allow_insecure"] or _from_config(config, "allow_insecure")),
    )


def check_url(url: str, allow_insecure: bool) -> None:
    """Refuse URLs that are not http(s), and plain http to a remote host unless *allow_insecure*."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArthurUserError("url must start with http:// or https:// and name a host, "
                              "for example https://mlcube.example.com")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS and not allow_insecure:
        raise ArthurUserError(
            f"Refusing plain http to {parts.hostname}: your key or password would travel unencrypted. "
            "Use https, or pass allow_insecure=True if you accept that risk")
