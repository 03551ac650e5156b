"""``%mlcube status TASK``: an OK / WARNING / DRIFT badge per monitored quantity of a task (with those only its
detection events report, such as evaluation metrics)."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command, find_task
from mlcube_nb.notebook.views import status_table, task_status, with_event_statuses


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", help="task id or name")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    task = find_task(client, args.task)
    events = client.get_detection_events(task.task_id)
    table = status_table(with_event_statuses(task.monitoring_status, events))
    overall = task_status(task, events)
    table.title = f"Monitoring status of {task.name}" + (f": {overall.upper()}" if overall else "")
    return table


COMMAND = Command("status", "the monitoring status of a task", _arguments, _run)
