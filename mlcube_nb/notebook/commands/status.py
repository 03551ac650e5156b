"""``%mlcube status TASK``: an OK / WARNING / DRIFT badge per monitored quantity of a task."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command, find_task
from mlcube_nb.notebook.views import status_table, task_status


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", help="task id or name")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    task = find_task(client, args.task)
    table = status_table(task.monitoring_status)
    overall = task_status(task)
    table.title = f"Monitoring status of {task.name}" + (f": {overall.upper()}" if overall else "")
    return table


COMMAND = Command("status", "the monitoring status of a task", _arguments, _run)
