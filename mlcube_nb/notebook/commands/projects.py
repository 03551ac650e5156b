"""``%mlcube projects``: the projects you can read."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command
from mlcube_nb.notebook.views import projects_table


def _arguments(parser: argparse.ArgumentParser) -> None:
    return None  # no arguments


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    return projects_table(client.get_projects())


COMMAND = Command("projects", "the projects you can read", _arguments, _run)
