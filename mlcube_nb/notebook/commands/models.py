"""``%mlcube models TASK``: the model versions of a task, with metric and status."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command, find_task
from mlcube_nb.notebook.views import models_table


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", help="task id or name")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    task = find_task(client, args.task)
    table = models_table(client.get_models(task.task_id))
    table.title = f"Models of {task.name}"
    return table


COMMAND = Command("models", "the model versions of a task", _arguments, _run)
