"""Remote data sources (S3, GCS, Azure Blob): an fsspec filesystem opened with the project's credentials.

A ``RemoteDataSourceInfo`` names a path and, optionally, integration credentials of the project;
without ``credentials_id`` the project's default credentials for that provider are used. The
server's own ambient credentials are never used for customer paths.

=====================  ====================  ==============================================
data_source_type        credentials type      filesystem
=====================  ====================  ==============================================
``aws_s3``              ``aws_compatible``     s3fs with the access key (and ``endpoint_url``)
``aws_s3``              ``aws``                s3fs with keys from assuming the IAM role (boto3)
``gcs``                 ``gcp``                gcsfs with the service-account info
``azure_blob_storage``  ``azure``              adlfs with the service principal
=====================  ====================  ==============================================
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcube_nb.enums import ErrorCode, RawDataSourceType
from mlcube_nb.models import RemoteDataSourceInfo
from mlcube_nb.server.db.tables import CredentialsRow
from mlcube_nb.server.errors import BadRequest, NotFound
from mlcube_nb.server.secrets_box import load_credentials_secret
from mlcube_nb.server.settings import Settings

PROVIDERS: dict[RawDataSourceType, tuple[str, ...]] = {
    RawDataSourceType.AWS_S3: ("aws_compatible", "aws"),
    RawDataSourceType.GCS: ("gcp",),
    RawDataSourceType.ABS: ("azure",),
}


def _bad(label: str, message: str) -> BadRequest:
    return BadRequest(ErrorCode.INVALID_PARAMETERS, f"{label}: {message}")


def _credentials(session: Session, project_id: str, info: RemoteDataSourceInfo, label: str) -> CredentialsRow:
    kinds = PROVIDERS.get(info.data_source_type)
    if kinds is None:
        raise _bad(label, f"{info.data_source_type.value} sources are not remote storage; upload the file instead")
    if info.credentials_id:
        row = session.get(CredentialsRow, info.credentials_id)
        if row is None or row.project_id != project_id:
            raise NotFound(ErrorCode.CREDENTIALS_NOT_FOUND,
                           f"{label}: credentials {info.credentials_id} not found in this project")
        if row.type not in kinds:
            raise _bad(label, f"credentials {row.id} are {row.type} credentials; {info.data_source_type.value} "
                              f"needs {' or '.join(kinds)}")
        return row
    query = (select(CredentialsRow).where(CredentialsRow.project_id == project_id, CredentialsRow.type.in_(kinds),
                                          CredentialsRow.is_default.is_(True)).limit(1))
    row = session.scalars(query).first()
    if row is None:
        raise _bad(label, f"no credentials_id given and the project has no default {' or '.join(kinds)} "
                          "credentials: create integration credentials or pass credentials_id")
    return row


def _secret(settings: Settings, row: CredentialsRow) -> dict[str, Any]:
    """The decrypted secret part of the credentials (kept by ``server/secrets_box.py``)."""
    return dict(load_credentials_secret(settings, row) or {})


def _s3(public: dict[str, Any], secret: dict[str, Any], kind: str) -> Any:
    import s3fs

    if kind == "aws_compatible":
        client_kwargs = {"endpoint_url": public["endpoint_url"]} if public.get("endpoint_url") else {}
        return s3fs.S3FileSystem(key=public.get("access_key_id") or secret.get("access_key_id"),
                                 secret=secret.get("secret_access_key"), client_kwargs=client_kwargs,
                                 skip_instance_cache=True)
    import boto3

    role = boto3.client("sts").assume_role(RoleArn=public["role_arn"], RoleSessionName="mlcube-nb-data",
                                           ExternalId=public.get("external_id") or secret.get("external_id") or None)
    keys = role["Credentials"]
    return s3fs.S3FileSystem(key=keys["AccessKeyId"], secret=keys["SecretAccessKey"], token=keys["SessionToken"],
                             skip_instance_cache=True)


def _gcs(secret: dict[str, Any]) -> Any:
    import gcsfs

    return gcsfs.GCSFileSystem(token=secret.get("account_info") or secret, skip_instance_cache=True)


def _azure(path: str, public: dict[str, Any], secret: dict[str, Any]) -> tuple[Any, str]:
    import adlfs

    parsed = urlparse(path)
    account = parsed.netloc.split(".")[0]
    fs = adlfs.AzureBlobFileSystem(account_name=account, tenant_id=public.get("tenant") or secret.get("tenant"),
                                   client_id=public.get("app_id") or secret.get("app_id"),
                                   client_secret=secret.get("password"), skip_instance_cache=True)
    return fs, parsed.path.lstrip("/")


def open_filesystem(session: Session, settings: Settings, project_id: str, info: RemoteDataSourceInfo,
                    label: str) -> tuple[Any, str]:
    """The filesystem and path to read *info* from, or a 4xx naming what is missing."""
    row = _credentials(session, project_id, info, label)
    public, secret = dict(row.public or {}), _secret(settings, row)
    path = info.remote_path
    try:
        if info.data_source_type is RawDataSourceType.AWS_S3:
            fs, path = _s3(public, secret, row.type), path.removeprefix("s3://")
        elif info.data_source_type is RawDataSourceType.GCS:
            fs, path = _gcs(secret), path.removeprefix("gs://").removeprefix("gcs://")
        else:
            fs, path = _azure(path, public, secret)
    except ImportError as exc:
        raise _bad(label, f"this server cannot read {info.data_source_type.value} sources ({exc.name} is not "
                          "installed)") from exc
    except (KeyError, ValueError) as exc:
        message = f"{label}: credentials {row.id} are incomplete ({exc})"
        raise BadRequest(ErrorCode.INVALID_CREDENTIALS, message) from exc
    return fs, path


def fingerprint(fs: Any, path: str, label: str) -> str:
    """What identifies the remote object's content (its ETag / generation, else size and time)."""
    try:
        info = fs.info(path)
    except FileNotFoundError as exc:
        raise BadRequest(ErrorCode.INVALID_DATA, f"{label}: {path} does not exist or is not readable with these "
                                                 "credentials") from exc
    except Exception as exc:  # noqa: BLE001 - permission or network errors from any fsspec backend
        raise BadRequest(ErrorCode.INVALID_DATA, f"{label}: cannot read {path} ({type(exc).__name__}: {exc})") from exc
    key = info.get("ETag") or info.get("etag") or info.get("generation") or \
        f"{info.get('size')}:{info.get('LastModified') or info.get('mtime') or info.get('last_modified')}"
    return "remote:" + hashlib.sha256(f"{fs.protocol}|{path}|{key}".encode()).hexdigest()
