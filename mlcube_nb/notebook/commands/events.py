"""``%mlcube events TASK``: a task's detection events, newest first."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command, find_task
from mlcube_nb.notebook.views import events_table


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", help="task id or name")
    parser.add_argument("--limit", type=int, default=50, help="show at most this many (default 50)")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    task = find_task(client, args.task)
    table = events_table(client.get_detection_events(task.task_id), limit=max(1, args.limit))
    table.title = f"{table.title} of {task.name}"
    return table


COMMAND = Command("events", "the detection events of a task", _arguments, _run)
