"""ArthurAI-compatible client: code written for ``arthurai.ArthurAI`` runs against our platform.

``from mlcube_nb.arthur import ArthurAI`` takes the place of ``from arthurai import ArthurAI``; the
supported methods, the mapping of Arthur's concepts to ours and the settings are in the README
("Coming from Arthur").
"""

from __future__ import annotations

from mlcube_nb.arthur.client import ArthurAI
from mlcube_nb.arthur.enums import InputType, OutputType, Role, TextDelimiter
from mlcube_nb.arthur.exceptions import ArthurException, ArthurInternalError, ArthurUserError
from mlcube_nb.arthur.objects import ArthurModel, ArthurModelGroup

__all__ = [
    "ArthurAI",
    "ArthurException",
    "ArthurInternalError",
    "ArthurModel",
    "ArthurModelGroup",
    "ArthurUserError",
    "InputType",
    "OutputType",
    "Role",
    "TextDelimiter",
]
