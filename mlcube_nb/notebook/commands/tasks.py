"""``%mlcube tasks PROJECT``: the tasks of a project, with their overall status."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command, find_project
from mlcube_nb.notebook.views import tasks_table


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project id or name")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    project = find_project(client, args.project)
    table = tasks_table(client.get_tasks(project.project_id))
    table.title = f"Tasks of {project.name}"
    return table


COMMAND = Command("tasks", "the tasks of a project", _arguments, _run)
