"""The magics: ``%mlcube_login``, ``%mlcube_jobs`` and ``%mlcube <subcommand>``.

Options are traitlets, so ``%config MlcubeMagics.client_name = "ml"`` works. Every error a user can
cause — a bad argument, an unknown task, a refused key, the platform saying no — is a one-line
``UsageError``, which IPython shows without a traceback.
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from IPython.core.error import StdinNotImplementedError, UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Float, Unicode

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import JobStatus
from mlcube_nb.exceptions import SDKClientException
from mlcube_nb.notebook import launcher
from mlcube_nb.notebook.commands import dispatch
from mlcube_nb.notebook.commands.base import find_project, find_task
from mlcube_nb.notebook.display import error_text
from mlcube_nb.notebook.jobs_watch import watch_jobs
from mlcube_nb.notebook.views import jobs_table, newest_first

__all__ = ["MlcubeMagics"]

T = TypeVar("T")
API_KEY_VARIABLE = "MLCUBE_API_KEY"  # read by %mlcube_login --url when no key is given (client side)


def _unquoted(args: Any) -> Any:
    """Drop the quotes around option values (``--user 'ada l'``): IPython's magic parser keeps them."""
    for name, value in vars(args).items():
        if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            setattr(args, name, value[1:-1])
    return args


def _ask_key(url: str) -> str:
    """Prompt for the key without echo; a one-line UsageError where the frontend has no stdin (nbclient,
    papermill, Voilà)."""
    try:
        return getpass.getpass(f"API key for {url}: ")
    except StdinNotImplementedError:
        raise UsageError(f"No API key for {url}, and this frontend cannot prompt for one: set "
                         f"${API_KEY_VARIABLE} in the kernel's environment or pass --api-key $VARIABLE") from None


def _user_errors(action: Callable[[], T]) -> T:
    """Run *action*; a platform error becomes a one-line UsageError (no traceback in the notebook)."""
    try:
        return action()
    except SDKClientException as err:
        raise UsageError(error_text(err)) from None


@magics_class
class MlcubeMagics(Magics):
    """``%mlcube_login``, ``%mlcube_jobs`` and ``%mlcube``; configure with ``%config MlcubeMagics.<option>``."""

    client_name = Unicode("mlcube", help="Variable %mlcube_login puts the client in (unless --as).").tag(config=True)
    username = Unicode("local", help="Local user of the embedded platform.").tag(config=True)
    company = Unicode("My company", help="Company created for that user on first login.").tag(config=True)
    executor = Unicode("", help="Job executor of the embedded platform: thread[:N], process[:N] (a process "
                                "pool) or dask://host:port (default: MLCUBE_EXECUTOR, else threads).").tag(config=True)
    watch_interval = Float(1.0, help="Seconds between refreshes of %mlcube_jobs --watch.").tag(config=True)
    watch_timeout = Float(3600.0, help="%mlcube_jobs --watch gives up after this many seconds.").tag(config=True)

    _bound_name: str | None = None

    def client(self) -> ML3PlatformClient:
        """The current session's client; a UsageError when nobody has logged in."""
        session = launcher.current()
        if session is None:
            raise UsageError("Not logged in: run %mlcube_login first")
        return session.client

    # --- %mlcube_login ---------------------------------------------------------------------------------

    @line_magic
    @magic_arguments()
    @argument("--url", help="a remote platform's URL (default: start the embedded platform)")
    @argument("--api-key", dest="api_key", help=f"API key for --url (default: ${API_KEY_VARIABLE}, else a "
                                                "prompt); write $variable rather than the key itself")
    @argument("--temp", action="store_true", help="embedded platform in a temporary folder, removed at exit")
    @argument("--home", help="embedded platform's folder (default: $MLCUBE_HOME or ~/.mlcube)")
    @argument("--user", help="local user of the embedded platform")
    @argument("--company", help="company created for a new local user")
    @argument("--as", dest="name", help="variable to put the client in (default: mlcube)")
    @argument("--restart", action="store_true", help="start a new embedded platform even if one is running")
    @argument("--insecure", action="store_true", help="accept a self-signed certificate (--url)")
    def mlcube_login(self, line: str) -> None:
        """Log in: start the embedded platform (no --url) or connect to one, and put a client in `mlcube`."""
        started = time.perf_counter()  # "Ready in" counts everything this magic does, server imports included
        args = _unquoted(parse_argstring(self.mlcube_login, line))
        name = args.name or self.client_name
        if not name.isidentifier():
            raise UsageError(f"--as needs a Python variable name, not {name!r}")
        if args.url:
            session = self._connect(args, started)
            verb = "Connected to"
        else:
            session, verb = self._embedded(args, started)
        self._bind(name, session.client)
        ready = "" if verb.startswith("Reusing") else f"Ready in {session.startup_seconds:.1f} s. "
        print(f"{verb} {session.summary()}\n{ready}The client is `{name}`: try {name}.get_projects().df or "
              "%mlcube projects")

    def _embedded(self, args: Any, started: float) -> tuple[launcher.PlatformSession, str]:
        user = args.user or self.username
        try:
            launcher.check_username(user)
        except ValueError as err:
            raise UsageError(str(err)) from None
        home = Path(args.home).expanduser().resolve() if args.home else None
        now = launcher.current()
        if (now is not None and now.embedded and now.running and not args.restart and now.username == user
                and now.temporary == bool(args.temp) and (home is None or now.home == home)):
            return now, "Reusing the running"
        session = _user_errors(lambda: launcher.launch(
            home=home, temp=args.temp, username=user, company=args.company or self.company,
            executor=self.executor or None, started=started))
        return session, "Started the"

    def _connect(self, args: Any, started: float) -> launcher.PlatformSession:
        if args.temp or args.home or args.user or args.restart:
            raise UsageError("--temp, --home, --user and --restart are for the embedded platform: drop --url")
        key = args.api_key or os.environ.get(API_KEY_VARIABLE)
        if not key:
            key = _ask_key(args.url)
            started = time.perf_counter()  # the time spent typing is not the platform's
        if not key.strip():
            raise UsageError(f"An API key is needed for {args.url}: set ${API_KEY_VARIABLE} or type it at the "
                             "prompt")
        return _user_errors(lambda: launcher.connect(args.url, key.strip(), verify_ssl=not args.insecure,
                                                     started=started))

    def _bind(self, name: str, client: ML3PlatformClient) -> None:
        """Put the client in the user's namespace, removing the variable of a replaced session."""
        namespace = self.shell.user_ns if self.shell is not None else {}
        old = self._bound_name
        if old and old != name and isinstance(namespace.get(old), ML3PlatformClient) and namespace[old] is not client:
            del namespace[old]
        namespace[name] = client
        self._bound_name = name

    # --- %mlcube_jobs ----------------------------------------------------------------------------------

    @line_magic
    @magic_arguments()
    @argument("--project", help="only this project's jobs (id or name)")
    @argument("--task", help="only this task's jobs (id or name)")
    @argument("--status", help=f"only jobs in this status: {', '.join(s.value for s in JobStatus)}")
    @argument("--watch", action="store_true", help="refresh in place until every job has finished")
    def mlcube_jobs(self, line: str) -> object:
        """The jobs table; --watch refreshes it while jobs run (interrupt the kernel to stop)."""
        args = _unquoted(parse_argstring(self.mlcube_jobs, line))
        try:
            status = JobStatus(args.status) if args.status else None
        except ValueError:
            raise UsageError(f"--status must be one of {', '.join(s.value for s in JobStatus)}") from None
        client = self.client()
        project_id = _user_errors(lambda: find_project(client, args.project).project_id) if args.project else None
        task_id = _user_errors(lambda: find_task(client, args.task).task_id) if args.task else None

        def fetch() -> list[Any]:
            return list(client.get_jobs(project_id=project_id, task_id=task_id, status=status))

        if args.watch:
            _user_errors(lambda: watch_jobs(fetch, interval=self.watch_interval, timeout=self.watch_timeout))
            return None
        return jobs_table(newest_first(_user_errors(fetch)))

    # --- %mlcube ---------------------------------------------------------------------------------------

    @line_magic
    def mlcube(self, line: str) -> object:
        """%mlcube projects | tasks PROJECT | models TASK | events TASK | suggestions MODEL VERSION |
        status TASK | panel TASK — see %mlcube --help."""
        return _user_errors(lambda: dispatch(self.client, line))
