"""``%mlcube <subcommand>``: one small module per subcommand, dispatched here.

Parsing errors and unknown subcommands become a one-line ``UsageError``; ``--help`` prints the usage.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from typing import NoReturn

from IPython.core.error import UsageError

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands import events, models, panel, performance, projects, status, suggestions, tasks
from mlcube_nb.notebook.commands.base import Command

__all__ = ["COMMANDS", "HelpShown", "dispatch", "help_text"]

COMMANDS: dict[str, Command] = {module.COMMAND.name: module.COMMAND for module in
                                (projects, tasks, models, performance, events, suggestions, status, panel)}


class HelpShown(Exception):
    """Raised instead of exiting when argparse has printed a help text."""


class _Parser(argparse.ArgumentParser):
    """An argparse parser that raises instead of exiting the kernel."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see %mlcube --help)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status:
            raise UsageError(message or f"{self.prog} failed")
        raise HelpShown()


def _parser() -> _Parser:
    parser = _Parser(prog="%mlcube", description="Look at the platform from a notebook cell.",
                     epilog="TASK and PROJECT take an id or a name. Also: %mlcube_login, %mlcube_jobs.")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser)
    for command in COMMANDS.values():
        command.add_arguments(sub.add_parser(command.name, help=command.summary, description=command.summary))
    return parser


def help_text() -> str:
    """The usage of ``%mlcube`` and every subcommand."""
    parser = _parser()
    return parser.format_help()


def dispatch(client_for: Callable[[], ML3PlatformClient], line: str) -> object:
    """Parse *line* and run its subcommand with the client ``client_for()`` returns; returns what to display
    (None after a help text)."""
    try:
        words = shlex.split(line)
    except ValueError as err:
        raise UsageError(f"%mlcube: {err}") from None
    parser = _parser()
    if not words:
        raise UsageError(f"%mlcube needs a subcommand: {', '.join(COMMANDS)} (see %mlcube --help)")
    try:
        args = parser.parse_args(words)
    except HelpShown:
        return None
    return COMMANDS[args.command].run(client_for(), args)
