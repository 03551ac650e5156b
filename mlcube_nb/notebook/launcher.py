"""The notebook's platform session: launch the embedded platform or connect to a remote one.

``launch()`` runs the platform in a daemon thread of the kernel (uvicorn on 127.0.0.1 and a free port,
SQLite and data under ``MLCUBE_HOME`` or a temporary folder), makes sure a local user and company
exist, and returns a :class:`PlatformSession` holding a ready client. ``connect()`` does the same for a
remote platform and an API key. One session is current per kernel: a new one replaces it, and the
embedded platform stops with the kernel. The only module of the notebook layer that imports the server.
"""

from __future__ import annotations

import atexit
import html
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import NotFoundException, SDKClientException

if TYPE_CHECKING:
    from mlcube_nb.server.embedded import ServerHandle

__all__ = ["NOTEBOOK_EXECUTOR", "PlatformSession", "check_username", "connect", "current", "launch", "stop"]

_KEY_FOLDER = "notebook-keys"
NOTEBOOK_EXECUTOR = "thread"
"""Jobs of the embedded platform run in threads of the kernel unless ``executor=`` or ``MLCUBE_EXECUTOR`` says
otherwise (``process`` opts in to the pool). Threads never see the kernel's SIGINT (Jupyter's interrupt signals
the kernel's whole process group), leave no worker process behind when the kernel dies, and the first job after
login does not wait for workers to spawn and import the pipelines; notebook-sized batches run in a second."""
_USERNAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


def check_username(username: str) -> str:
    """Return *username* if it can name a local user (and its key file); ValueError saying what is allowed."""
    if not _USERNAME.fullmatch(username):
        raise ValueError(f"A local username has 1-64 letters, digits, '.', '_', '@' or '-', not {username!r}")
    return username


@dataclass
class PlatformSession:
    """A logged-in platform: its URL, the client, who is logged in, and (embedded) how to stop it."""

    url: str
    client: ML3PlatformClient
    username: str
    company: str
    embedded: bool
    home: Path | None = None
    startup_seconds: float = 0.0
    _handle: ServerHandle | None = field(default=None, repr=False)
    _temp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def temporary(self) -> bool:
        """Whether the embedded platform lives in a temporary folder (removed when it stops)."""
        return self._temp is not None

    @property
    def running(self) -> bool:
        """Whether the session is live: not stopped and, for an embedded platform, its server thread alive."""
        return not self._stopped and (self._handle is None or self._handle.running)

    def stop(self) -> None:
        """Close the client and, for an embedded platform, stop the server and remove a temporary home."""
        self._stopped = True
        self.client.close()
        if self._handle is not None:
            self._handle.stop()
            self._handle = None
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None

    def summary(self) -> str:
        """One line: where, who, which company (never the key)."""
        kind = "embedded platform" if self.embedded else "platform"
        return f"mlcube_nb {kind} at {self.url} — user {self.username}, company {self.company}"

    def __repr__(self) -> str:
        return f"PlatformSession(url={self.url!r}, user={self.username!r}, company={self.company!r})"

    def _repr_html_(self) -> str:
        where = f" (home <code>{html.escape(str(self.home))}</code>)" if self.home else ""
        return (f"<div class='mlcube-session'>mlcube_nb {'embedded ' if self.embedded else ''}platform at "
                f"<a href='{html.escape(self.url)}/docs' target='_blank'>{html.escape(self.url)}</a>{where}<br>"
                f"user <b>{html.escape(self.username)}</b>, company <b>{html.escape(self.company)}</b></div>")


_current: PlatformSession | None = None


def current() -> PlatformSession | None:
    """The kernel's current session, if any."""
    return _current


def stop() -> None:
    """Stop the current session (run at kernel exit and by ``%unload_ext``)."""
    global _current
    session, _current = _current, None
    if session is not None:
        session.stop()


atexit.register(stop)


def _replace(session: PlatformSession) -> PlatformSession:
    global _current
    stop()
    _current = session
    return session


def _local_key(handle: ServerHandle, home: Path, username: str) -> str:
    """The local user's key: the one saved in the home if it still works, else a fresh one (saved 0600)."""
    from mlcube_nb.server.db.engine import make_session_factory, transaction
    from mlcube_nb.server.errors import Unauthorized
    from mlcube_nb.server.services.accounts import identity

    path = home / _KEY_FOLDER / f"{username}.key"
    factory = make_session_factory(handle.engine)
    if path.exists():
        key = path.read_text().strip()
        try:
            with factory() as session:
                identity.authenticate(session=session, api_key=key)
            return key
        except Unauthorized:
            pass
    with transaction(factory) as session:
        _, key = identity.bootstrap_user(session=session, username=username)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle_file:
        handle_file.write(key)
    return key


def _company_of(client: ML3PlatformClient, create_as: str | None) -> str:
    """The caller's company name; when they have none and *create_as* is given, create it."""
    try:
        return client.get_company().name
    except NotFoundException as err:
        if err.error_code != ErrorCode.COMPANY_NOT_FOUND:
            raise
        if create_as is None:
            return "(none yet: create_company)"
    client.create_company(name=create_as, address="localhost", vat="N/A")
    return create_as


def launch(*, home: str | Path | None = None, temp: bool = False, username: str = "local",
           company: str = "My company", executor: str | None = None,
           started: float | None = None) -> PlatformSession:
    """Start the embedded platform (replacing the current session) and log in as a local user; jobs run in
    threads unless *executor* (or ``MLCUBE_EXECUTOR``) names another executor. ``startup_seconds`` counts from
    *started* (a ``time.perf_counter()`` reading: when the user asked, e.g. the magic's start), else from this
    call, and includes importing the server. The platform answers before its job runner has started: a job sent
    meanwhile waits in the queue for it (the runner's catalog imports every pipeline)."""
    started = time.perf_counter() if started is None else started
    check_username(username)
    from mlcube_nb.server.embedded import serve_in_thread
    from mlcube_nb.server.settings import Settings

    scratch = tempfile.TemporaryDirectory(prefix="mlcube-nb-") if temp else None
    overrides: dict[str, object] = {"log_level": "warning"}
    if scratch is not None:
        overrides.update(home=Path(scratch.name), database_url=None, storage_url=None)
    elif home is not None:
        overrides["home"] = Path(home).expanduser()
    if executor:
        overrides["executor"] = executor
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if "executor" not in settings.model_fields_set:  # neither the caller nor MLCUBE_EXECUTOR chose one
        settings = settings.model_copy(update={"executor": NOTEBOOK_EXECUTOR})
    stop()  # the old platform releases its database before the new one opens it
    try:
        settings.ensure_home()
        handle = serve_in_thread(settings, jobs_in_background=True)
    except BaseException:
        if scratch is not None:
            scratch.cleanup()
        raise
    try:
        client = ML3PlatformClient(handle.url, _local_key(handle, settings.home, username))
        company_name = _company_of(client, company)
    except BaseException:
        handle.stop()
        if scratch is not None:
            scratch.cleanup()
        raise
    return _replace(PlatformSession(url=handle.url, client=client, username=username, company=company_name,
                                    embedded=True, home=settings.home,
                                    startup_seconds=time.perf_counter() - started, _handle=handle, _temp=scratch))


def _username_of(client: ML3PlatformClient, api_key: str) -> str:
    """Who holds *api_key*: matched by the key's public id among the company's users, else the masked key."""
    key_id = "_".join(api_key.split("_")[:2])
    fallback = f"holder of key {key_id}_…" if api_key.startswith("mlc_") else "holder of the given key"
    try:
        users = client.get_company_users()
    except SDKClientException:
        return fallback
    for user in users[:50]:
        try:
            keys = client.get_user_api_keys(user.user_id)
        except SDKClientException:
            continue
        if any(key.api_key.startswith(key_id + "_") for key in keys):
            return user.username or user.user_id
    return fallback


def connect(url: str, api_key: str, *, verify_ssl: bool = True, timeout: int = 60,
            started: float | None = None) -> PlatformSession:
    """Log in to a remote platform with an API key (replacing the current session); the key is only kept
    inside the client. ``startup_seconds`` counts from *started* (see :func:`launch`), else from this call."""
    started = time.perf_counter() if started is None else started
    client = ML3PlatformClient(url.rstrip("/"), api_key, timeout, verify_ssl=verify_ssl)
    try:
        company_name = _company_of(client, None)
        username = _username_of(client, api_key)
    except BaseException:
        client.close()
        raise
    return _replace(PlatformSession(url=client.url, client=client, username=username, company=company_name,
                                    embedded=False, startup_seconds=time.perf_counter() - started))
