"""Request bodies for company, project, user, role and API-key calls (PLATFORM.md §2, rows 1–9, 60–74).

Each accepts exactly what v1 sends (every key, nulls included) and ignores keys it does not know.
"""

from __future__ import annotations

from pydantic import Field

from mlcube_nb.enums import ApiKeyExpirationTime, StoragePolicy, UserCompanyRole, UserProjectRole
from mlcube_nb.models.common import (
    DescriptionStr,
    EmailAddressStr,
    IdStr,
    NameStr,
    PasswordStr,
    ShortStr,
    WireModel,
)


class CreateCompanyRequest(WireModel):
    """Body of create_company."""

    name: NameStr
    address: ShortStr
    vat: ShortStr


class UpdateCompanyRequest(WireModel):
    """Body of update_company; null leaves a field unchanged."""

    name: NameStr | None = None
    address: ShortStr | None = None
    vat: ShortStr | None = None


class CreateProjectRequest(WireModel):
    """Body of create_project."""

    name: NameStr
    description: DescriptionStr | None = None
    default_storage_policy: StoragePolicy = StoragePolicy.MLCUBE


class UpdateProjectRequest(WireModel):
    """Body of update_project; null leaves a field unchanged."""

    project_id: IdStr
    name: NameStr | None = None
    description: DescriptionStr | None = None
    default_storage_policy: StoragePolicy | None = None


class CreateCompanyUserRequest(WireModel):
    """Body of create_company_user; the password is temporary and changed at first login."""

    name: NameStr
    surname: NameStr
    username: NameStr
    password: PasswordStr = Field(repr=False)
    email: EmailAddressStr
    company_role: UserCompanyRole


class ChangeUserCompanyRoleRequest(WireModel):
    """Body of change_user_company_role."""

    user_id: IdStr
    company_role: UserCompanyRole


class AddUserProjectRoleRequest(WireModel):
    """Body of add_user_project_role."""

    user_id: IdStr
    project_id: IdStr
    project_role: UserProjectRole


class DeleteProjectRoleRequest(WireModel):
    """Body of delete_project_role (the only DELETE with a body)."""

    user_id: IdStr
    project_id: IdStr


class CreateApiKeyRequest(WireModel):
    """Body of create_api_key (a key for the caller)."""

    name: NameStr
    expiration_time: ApiKeyExpirationTime


class CreateUserApiKeyRequest(WireModel):
    """Body of create_user_api_key (a key for another user of the company)."""

    user_id: IdStr
    name: NameStr
    expiration_time: ApiKeyExpirationTime
