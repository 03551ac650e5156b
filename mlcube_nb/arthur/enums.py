"""Arthur's enumerations, with Arthur's member names, limited to what our platform can represent.

The values are those the server's ``/arthur`` endpoints take (``mlcube_nb.server.arthur_wire``).
"""

from __future__ import annotations

from enum import Enum

__all__ = ["InputType", "OutputType", "Role", "TextDelimiter"]


class InputType(str, Enum):
    """What a model takes in; becomes the task's data structure (tabular, image, text)."""

    Tabular = "TABULAR"
    Image = "IMAGE"
    NLP = "NLP"


class OutputType(str, Enum):
    """What a model predicts; becomes the task type. A binary classifier is a two-class ``Multiclass`` model."""

    Regression = "REGRESSION"
    Multiclass = "MULTICLASS"
    Multilabel = "MULTILABEL"
    ObjectDetection = "OBJECT_DETECTION"


class TextDelimiter(str, Enum):
    """How an NLP model's documents split into tokens (a regular expression)."""

    WHITESPACE = r"\s+"
    COMMA = ","
    COMMA_PLUS = ",+"
    PIPE = r"\|"
    PIPE_PLUS = r"\|+"
    NOT_WORD = r"\W+"


class Role(str, Enum):
    """Role of a service account: ADMINISTRATOR is a company admin; MODEL_OWNER may create and change the
    organisation's Arthur models; USER may only read them."""

    ADMINISTRATOR = "Administrator"
    MODEL_OWNER = "Model Owner"
    USER = "User"
