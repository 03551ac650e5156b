"""``%mlcube performance MODEL``: a model's estimated vs realised performance per production batch."""

from __future__ import annotations

import argparse

from IPython.core.error import UsageError

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import NotFoundException
from mlcube_nb.models import Model
from mlcube_nb.notebook.commands.base import Command, find_task


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model id, or NAME@VERSION with --task")
    parser.add_argument("--task", help="task id or name (to name the model as NAME@VERSION)")
    parser.add_argument("--metric", help="show one metric only (accuracy, f1, roc_auc, mae, rmse...)")


def find_model(client: ML3PlatformClient, ref: str, task: str | None) -> Model:
    """The model whose id is *ref*, or the version ``NAME@VERSION`` of the task *task*."""
    if task is None:
        try:
            return client.get_model(ref)
        except NotFoundException as err:
            if err.error_code not in (ErrorCode.MODEL_NOT_FOUND, ErrorCode.NOT_FOUND):
                raise
            raise UsageError(f"No model with id {ref!r}: give its id (`%mlcube models TASK` lists them) or "
                             "NAME@VERSION with --task") from None
    name, _, version = ref.partition("@")
    models = client.get_models(find_task(client, task).task_id)
    matches = [m for m in models if m.name == name and (not version or m.version == version)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"No model {ref!r} in task {task!r}: `%mlcube models {task}` lists them")
    raise UsageError(f"{len(matches)} versions of {name!r}: give NAME@VERSION")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    from mlcube_nb.notebook.panels.performance import PerformanceView  # matplotlib: on first use

    model = find_model(client, args.model, args.task)
    items = list(client.get_estimated_performance(model.model_id))
    if args.metric:
        items = [i for i in items if i.metric_name.value == args.metric]
    return PerformanceView(model, items)


COMMAND = Command("performance", "a model's estimated vs realised performance per batch", _arguments, _run)
