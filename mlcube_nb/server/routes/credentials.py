"""Integration-credentials routes (PLATFORM.md §2 rows 78–85); only public fields ever leave the server."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import (
    AWSCompatibleCredentials,
    AzureCredentials,
    CreateAwsCompatibleIntegrationCredentialsRequest,
    CreateAwsIntegrationCredentialsRequest,
    CreateAzureIntegrationCredentialsRequest,
    CreateGcpIntegrationCredentialsRequest,
    GCPCredentials,
    IntegrationCredentials,
    IntegrationCredentialsUnion,
    SecretAWSCredentials,
)
from mlcube_nb.server.rbac import ProjectPermission
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.integrations import credential_shapes, credentials

router = APIRouter(tags=["integrations"])


@router.get("/integration/credentials/{credentials_id}", operation_id="get_integration_credentials",
            response_model=IntegrationCredentialsUnion)
def get_integration_credentials(credentials_id: str, session: SessionDep, caller: CallerDep
                                ) -> IntegrationCredentials:
    row = credentials.get_or_raise(session, caller, credentials_id, ProjectPermission.WORK_ON_PROJECT)
    return credentials.to_model(row)


@router.get("/project/{project_id}/integration-credentials", operation_id="get_all_project_integration_credentials",
            response_model=list[IntegrationCredentialsUnion])
def get_all_project_integration_credentials(project_id: str, session: SessionDep, caller: CallerDep
                                            ) -> list[IntegrationCredentials]:
    return [credentials.to_model(r) for r in credentials.list_for(session=session, caller=caller,
                                                                  project_id=project_id)]


@router.delete("/integration/credentials/{credentials_id}", operation_id="delete_integration_credentials",
               status_code=204)
def delete_integration_credentials(credentials_id: str, session: SessionDep, caller: CallerDep) -> None:
    credentials.delete(session=session, caller=caller, credentials_id=credentials_id)


@router.post("/integration/credentials/{credentials_id}/default", operation_id="set_integration_credentials_as_default",
             status_code=204)
def set_integration_credentials_as_default(credentials_id: str, session: SessionDep, caller: CallerDep) -> None:
    credentials.set_default(session=session, caller=caller, credentials_id=credentials_id)


@router.post("/integration/aws/credentials", operation_id="create_aws_integration_credentials")
def create_aws_integration_credentials(body: CreateAwsIntegrationCredentialsRequest, session: SessionDep,
                                       caller: CallerDep, settings: SettingsDep) -> SecretAWSCredentials:
    return credentials.create_aws(session=session, caller=caller, settings=settings, request=body)


@router.post("/integration/aws-compatible/credentials", operation_id="create_aws_compatible_integration_credentials",
             response_model=AWSCompatibleCredentials)
def create_aws_compatible_integration_credentials(body: CreateAwsCompatibleIntegrationCredentialsRequest,
                                                  session: SessionDep, caller: CallerDep, settings: SettingsDep
                                                  ) -> IntegrationCredentials:
    return credentials.create(session=session, caller=caller, settings=settings, request=body,
                              shape_of=credential_shapes.aws_compatible)


@router.post("/integration/gcp/credentials", operation_id="create_gcp_integration_credentials",
             response_model=GCPCredentials)
def create_gcp_integration_credentials(body: CreateGcpIntegrationCredentialsRequest, session: SessionDep,
                                       caller: CallerDep, settings: SettingsDep) -> IntegrationCredentials:
    return credentials.create(session=session, caller=caller, settings=settings, request=body,
                              shape_of=credential_shapes.gcp)


@router.post("/integration/azure/credentials", operation_id="create_azure_integration_credentials",
             response_model=AzureCredentials)
def create_azure_integration_credentials(body: CreateAzureIntegrationCredentialsRequest, session: SessionDep,
                                         caller: CallerDep, settings: SettingsDep) -> IntegrationCredentials:
    return credentials.create(session=session, caller=caller, settings=settings, request=body,
                              shape_of=credential_shapes.azure)
