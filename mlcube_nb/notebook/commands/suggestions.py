"""``%mlcube suggestions MODEL VERSION``: the retraining suggestions of a model version."""

from __future__ import annotations

import argparse

from mlcube_nb.client import ML3PlatformClient
from mlcube_nb.notebook.commands.base import Command
from mlcube_nb.notebook.views import suggestions_table


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model id")
    parser.add_argument("version", help="model version, e.g. v1")


def _run(client: ML3PlatformClient, args: argparse.Namespace) -> object:
    return suggestions_table(client.get_suggestions_info(args.model, args.version))


COMMAND = Command("suggestions", "the retraining suggestions of a model version", _arguments, _run)
