"""Integration credentials of a project: create (secret encrypted at rest), read, make default, delete.

Reads need WORK_ON_PROJECT, writes UPDATE_PROJECT_INFORMATION (PLATFORM.md §7.3). Names are unique in a
project; at most one credentials object per type is the project's default. No response, log line or
database column ever holds a secret in clear: only the public fields come back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode
from mlcube_nb.models import (
    CreateAwsIntegrationCredentialsRequest,
    CreateIntegrationCredentialsRequest,
    IntegrationCredentials,
    IntegrationCredentialsUnion,
    SecretAWSCredentials,
)
from mlcube_nb.server.db.tables import CredentialsRow, DetectionEventRuleRow, ModelRow, ProjectRow, TaskRow
from mlcube_nb.server.errors import Conflict, NotFound
from mlcube_nb.server.rbac import Caller, ProjectPermission
from mlcube_nb.server.secrets_box import encrypt_secret
from mlcube_nb.server.services.catalog import projects
from mlcube_nb.server.services.integrations import credential_shapes
from mlcube_nb.server.services.integrations.credential_shapes import Shape
from mlcube_nb.server.services.writes import flush_unique
from mlcube_nb.server.settings import Settings

_ANY_CREDENTIALS: TypeAdapter[Any] = TypeAdapter(IntegrationCredentialsUnion)


def to_model(row: CredentialsRow) -> IntegrationCredentials:
    """The wire model of a credentials row, as the subclass of its type (public fields only)."""
    return _ANY_CREDENTIALS.validate_python({**(row.public or {}), "credentials_id": row.id, "name": row.name,
                                             "default": row.is_default, "type": row.type})


def get_or_raise(session: Session, caller: Caller, credentials_id: str, permission: ProjectPermission
                 ) -> CredentialsRow:
    """The credentials if their project is in the caller's company (else 404) and the caller holds *permission*."""
    row = session.get(CredentialsRow, credentials_id)
    company_id = session.scalar(select(ProjectRow.company_id).where(ProjectRow.id == row.project_id)) if row else None
    if row is None or company_id is None or company_id != caller.company_id:
        raise NotFound(ErrorCode.CREDENTIALS_NOT_FOUND, f"Credentials {credentials_id} not found: check the id with "
                                                        "get_all_project_integration_credentials")
    caller.require_on_project(row.project_id, permission)
    return row


def list_for(*, session: Session, caller: Caller, project_id: str) -> list[CredentialsRow]:
    """Every credentials object of a project, oldest first; needs WORK_ON_PROJECT."""
    projects.get_or_raise(session=session, caller=caller, project_id=project_id,
                          permission=ProjectPermission.WORK_ON_PROJECT)
    query = select(CredentialsRow).where(CredentialsRow.project_id == project_id)
    return list(session.scalars(query.order_by(CredentialsRow.created_at, CredentialsRow.id)).all())


def _make_default(session: Session, row: CredentialsRow) -> None:
    """Make *row* the only default of its type in its project."""
    session.execute(update(CredentialsRow)
                    .where(CredentialsRow.project_id == row.project_id, CredentialsRow.type == row.type,
                           CredentialsRow.id != row.id)
                    .values(is_default=False))
    row.is_default = True


def _insert(*, session: Session, caller: Caller, settings: Settings, request: CreateIntegrationCredentialsRequest,
            shape_of: Callable[[Any], Shape]) -> tuple[CredentialsRow, Shape]:
    """Store new credentials (secret encrypted); needs UPDATE_PROJECT_INFORMATION, names unique in the project.

    Access is checked before *shape_of* looks at the secret material, so a stranger learns nothing from it.
    """
    project = projects.get_or_raise(session=session, caller=caller, project_id=request.project_id,
                                    permission=ProjectPermission.UPDATE_PROJECT_INFORMATION)
    taken = f"The project already has credentials named {request.name!r}; choose another name"
    clash = session.scalar(select(CredentialsRow.id).where(CredentialsRow.project_id == project.id,
                                                           CredentialsRow.name == request.name))
    if clash is not None:
        raise Conflict(ErrorCode.ALREADY_EXISTS, taken)
    shape = shape_of(request)
    row = CredentialsRow(project_id=project.id, name=request.name, type=shape.kind.value, is_default=False,
                         public=shape.public, secret_ciphertext=encrypt_secret(settings, shape.secret))
    session.add(row)
    flush_unique(session, taken)
    if request.default:
        _make_default(session, row)
    return row, shape


def create(*, session: Session, caller: Caller, settings: Settings, request: CreateIntegrationCredentialsRequest,
           shape_of: Callable[[Any], Shape]) -> IntegrationCredentials:
    """Create credentials of any type; *shape_of* (from ``credential_shapes``) checks and splits the request."""
    row, _ = _insert(session=session, caller=caller, settings=settings, request=request, shape_of=shape_of)
    return to_model(row)


def create_aws(*, session: Session, caller: Caller, settings: Settings,
               request: CreateAwsIntegrationCredentialsRequest) -> SecretAWSCredentials:
    """Create AWS credentials; the answer (once only) carries the trust policy embedding the external id."""
    row, shape = _insert(session=session, caller=caller, settings=settings, request=request,
                         shape_of=credential_shapes.aws)
    policy = credential_shapes.trust_policy(shape.public["role_arn"], shape.secret["external_id"])
    return SecretAWSCredentials(credentials_id=row.id, name=row.name, default=row.is_default,
                                role_arn=shape.public["role_arn"], trust_policy=policy)


def set_default(*, session: Session, caller: Caller, credentials_id: str) -> None:
    """Make credentials the project's default for their type; needs UPDATE_PROJECT_INFORMATION."""
    row = get_or_raise(session, caller, credentials_id, ProjectPermission.UPDATE_PROJECT_INFORMATION)
    _make_default(session, row)


def _users(session: Session, row: CredentialsRow) -> list[str]:
    """What in the project names these credentials: rule actions and model retrain triggers."""
    tasks = select(TaskRow.id).where(TaskRow.project_id == row.project_id)
    rules = session.scalars(select(DetectionEventRuleRow).where(DetectionEventRuleRow.task_id.in_(tasks))).all()
    used = [f"rule {rule.name!r}" for rule in rules
            if any(action.get("credentials_id") == row.id for action in rule.actions or [])]
    model_rows = session.scalars(select(ModelRow).where(ModelRow.task_id.in_(tasks))).all()
    used += [f"the retrain trigger of model {m.name!r} version {m.version!r}" for m in model_rows
             if (m.retrain_trigger or {}).get("credentials_id") == row.id]
    return used


def delete(*, session: Session, caller: Caller, credentials_id: str) -> None:
    """Delete credentials nothing uses any more; needs UPDATE_PROJECT_INFORMATION."""
    row = get_or_raise(session, caller, credentials_id, ProjectPermission.UPDATE_PROJECT_INFORMATION)
    users = _users(session, row)
    if users:
        raise Conflict(ErrorCode.CONFLICT, f"Credentials {row.name!r} are used by {', '.join(users)}: change or "
                                           "delete those first")
    session.delete(row)
