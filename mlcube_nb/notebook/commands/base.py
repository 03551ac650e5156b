"""What a ``%mlcube`` subcommand is (name, one-line summary, its arguments, what it returns) and the
lookups they share: a project or a task named by id or by name."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from IPython.core.error import UsageError

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import NotFoundException
from mlcube_nb.models import Project, Task

__all__ = ["Command", "find_project", "find_task"]


@dataclass(frozen=True)
class Command:
    """One subcommand: ``add_arguments`` fills its parser, ``run`` returns what the cell displays."""

    name: str
    summary: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[ML3PlatformClient, argparse.Namespace], object]


def find_project(client: ML3PlatformClient, ref: str) -> Project:
    """The project whose id or name is *ref*; a UsageError when there is none or the name is ambiguous."""
    projects = client.get_projects()
    matches = [p for p in projects if p.project_id == ref] or [p for p in projects if p.name == ref]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"No project with id or name {ref!r}: `%mlcube projects` lists yours")
    raise UsageError(f"{len(matches)} projects are named {ref!r}: give the project id instead")


def find_task(client: ML3PlatformClient, ref: str) -> Task:
    """The task whose id is *ref*, else the only task named *ref* in your projects."""
    try:
        return client.get_task(ref)
    except NotFoundException as err:
        if err.error_code not in (ErrorCode.TASK_NOT_FOUND, ErrorCode.NOT_FOUND):
            raise
    matches = [t for p in client.get_projects() for t in client.get_tasks(p.project_id) if t.name == ref]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"No task with id or name {ref!r}: `%mlcube tasks PROJECT` lists a project's tasks")
    raise UsageError(f"{len(matches)} tasks are named {ref!r}: give the task id instead")
