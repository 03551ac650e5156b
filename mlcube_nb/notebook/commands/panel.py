"""``%mlcube panel TASK``: the task's widget panel (overview, models, drift history, events, jobs)."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command, find_task


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", help="task id or name")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    from mlcube_nb.notebook.panels.task_panel import TaskPanel  # matplotlib and ipywidgets: on first use

    return TaskPanel(client, find_task(client, args.task).task_id)


COMMAND = Command("panel", "the monitoring panel of a task", _arguments, _run)
