"""Arthur's ``model(...)``: a task and its first model version in the company's Arthur project, plus metadata.

Input type becomes the data structure, output type the task type; ``partner_model_id`` names both task and
model and is unique within the company. The rules of tasks and models apply unchanged (same services).
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import DataStructure, ErrorCode, TaskType, TextLanguage
from mlcube_nb.models import CreateModelRequest, CreateTaskRequest
from mlcube_nb.server.arthur_wire import ArthurInputType, ArthurOutputType, CreateArthurModelRequest
from mlcube_nb.server.db.tables import ArthurModelRow, ModelRow
from mlcube_nb.server.errors import BadRequest, Conflict
from mlcube_nb.server.rbac import Caller
from mlcube_nb.server.services.arthur import projects as arthur_projects
from mlcube_nb.server.services.catalog import models, tasks
from mlcube_nb.server.services.writes import flush_unique
from mlcube_nb.server.settings import Settings

STRUCTURES: dict[ArthurInputType, DataStructure] = {
    ArthurInputType.Tabular: DataStructure.TABULAR,
    ArthurInputType.Image: DataStructure.IMAGE,
    ArthurInputType.NLP: DataStructure.TEXT,
}
"""Data structure of each Arthur input type."""

TASK_TYPES: dict[ArthurOutputType, TaskType] = {
    ArthurOutputType.Regression: TaskType.REGRESSION,
    # Arthur has no binary type: a binary classifier is a MULTICLASS model with two classes and a threshold.
    ArthurOutputType.Multiclass: TaskType.CLASSIFICATION_MULTICLASS,
    ArthurOutputType.Multilabel: TaskType.CLASSIFICATION_MULTILABEL,
    ArthurOutputType.ObjectDetection: TaskType.OBJECT_DETECTION,
}
"""Task type of each Arthur output type."""

DEFAULT_THRESHOLD = 0.5
"""Arthur's default classifier threshold of classification models."""

FIRST_VERSION = "1"
"""Version tag of the model version ``model(...)`` creates."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _bad(message: str) -> BadRequest:
    return BadRequest(ErrorCode.INVALID_PARAMETERS, message)


def _check(request: CreateArthurModelRequest) -> None:
    """Arguments that only make sense for some input or output types."""
    inputs, outputs = request.input_type, request.output_type
    if outputs is ArthurOutputType.ObjectDetection and inputs is not ArthurInputType.Image:
        raise _bad("An OBJECT_DETECTION model needs input_type IMAGE")
    if request.classifier_threshold is not None and outputs is not ArthurOutputType.Multiclass:
        raise _bad(f"classifier_threshold only applies to MULTICLASS (classification) models, not {outputs.value}; "
                   "leave it empty")
    if request.text_delimiter is not None and inputs is not ArthurInputType.NLP:
        raise _bad(f"text_delimiter only applies to NLP models, not {inputs.value}; leave it empty")
    sizes = (request.pixel_height, request.pixel_width)
    if any(s is not None for s in sizes) and inputs is not ArthurInputType.Image:
        raise _bad(f"pixel_height and pixel_width only apply to IMAGE models, not {inputs.value}; leave them empty")
    if (sizes[0] is None) != (sizes[1] is None):
        raise _bad("Give both pixel_height and pixel_width, or neither")


def _partner_id(request: CreateArthurModelRequest) -> str:
    """The given partner_model_id, or one made unique from the display name."""
    if request.partner_model_id is not None:
        return request.partner_model_id
    if request.display_name is None:
        raise _bad("Give a partner_model_id or a display_name (a unique partner_model_id is made from it)")
    stem = _UNSAFE.sub("-", request.display_name).strip("-")[:200] or "model"
    return f"{stem}-{secrets.token_hex(4)}"


def _check_partner_free(session: Session, company_id: str, partner_id: str) -> None:
    clash = session.scalar(select(ArthurModelRow.model_id).where(ArthurModelRow.company_id == company_id,
                                                                 ArthurModelRow.partner_model_id == partner_id))
    if clash is not None:
        raise Conflict(ErrorCode.ALREADY_EXISTS,
                       f"Your organization already has a model with partner_model_id {partner_id!r}; choose another")


def create(*, session: Session, caller: Caller, settings: Settings, request: CreateArthurModelRequest) -> ModelRow:
    """Create the task, its model version and the Arthur metadata; needs WORK_ON_PROJECT on the Arthur project."""
    company_id = caller.company_id_or_raise()
    _check(request)
    partner_id = _partner_id(request)
    _check_partner_free(session, company_id, partner_id)
    project = arthur_projects.get_or_create(session, caller)
    structure = STRUCTURES[request.input_type]
    task_id = tasks.create(session=session, caller=caller, settings=settings, request=CreateTaskRequest(
        project_id=project.id, name=partner_id, tags=request.tags, task_type=TASK_TYPES[request.output_type],
        data_structure=structure,
        text_language=TextLanguage.MULTILANGUAGE if structure is DataStructure.TEXT else None))
    model_id = models.create(session=session, caller=caller,
                             request=CreateModelRequest(task_id=task_id, name=partner_id, version=FIRST_VERSION))
    threshold = request.classifier_threshold
    if threshold is None and request.output_type is ArthurOutputType.Multiclass:
        threshold = DEFAULT_THRESHOLD
    session.add(ArthurModelRow(
        model_id=model_id, company_id=company_id, partner_model_id=partner_id,
        display_name=request.display_name or partner_id, description=request.description,
        input_type=request.input_type.value, output_type=request.output_type.value, tags=list(request.tags or []),
        classifier_threshold=threshold, is_batch=request.is_batch,
        text_delimiter=request.text_delimiter.value if request.text_delimiter else None,
        expected_throughput_gb_per_day=request.expected_throughput_gb_per_day,
        pixel_height=request.pixel_height, pixel_width=request.pixel_width))
    flush_unique(session, f"partner_model_id {partner_id!r} was just taken")
    model = session.get(ModelRow, model_id)
    assert model is not None  # created just above, in this transaction
    return model
