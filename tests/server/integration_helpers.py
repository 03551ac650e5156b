"""Helpers of the credentials, rule and trigger tests: request bodies as v1 sends them, with traceable secrets."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from tests.server.task_helpers import unique

UPDATERS = {"owner", "admin", "p_admin"}
"""Roles holding UPDATE_PROJECT_INFORMATION on the team's project (credential writes, PLATFORM.md §7.3)."""


def secret_text(prefix: str) -> str:
    """A secret value no other test uses, so it can be searched for in responses, logs and files."""
    return f"{prefix}-{secrets.token_hex(12)}"


def private_key(marker: str) -> str:
    """A PEM-shaped (not usable) private key carrying *marker*."""
    return f"-----BEGIN PRIVATE KEY-----\nMIIE{marker}\n-----END PRIVATE KEY-----\n"


def aws_body(project_id: str, **over: Any) -> dict:
    """A create_aws_integration_credentials body."""
    body = {"name": unique("aws"), "default": False, "project_id": project_id,
            "role_arn": "arn:aws:iam::123456789012:role/mlcube-retrain"}
    body.update(over)
    return body


def aws_compatible_body(project_id: str, **over: Any) -> dict:
    """A create_aws_compatible_integration_credentials body."""
    body = {"name": unique("s3"), "default": False, "project_id": project_id, "access_key_id": "AKIAEXAMPLE",
            "secret_access_key": secret_text("s3secret"), "endpoint_url": "http://127.0.0.1:9000"}
    body.update(over)
    return body


def account_info(**over: Any) -> dict:
    """A GCP service-account key file (all eleven keys v1 sends)."""
    info = {"type": "service_account", "project_id": "acme-ml", "private_key_id": secret_text("keyid"),
            "private_key": private_key(secret_text("pk")), "client_email": "retrain@acme-ml.iam.gserviceaccount.com",
            "client_id": "1098765432", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/retrain",
            "universe_domain": "googleapis.com"}
    info.update(over)
    return info


def gcp_body(project_id: str, **over: Any) -> dict:
    """A create_gcp_integration_credentials body (v1 sends ``scopes``)."""
    body = {"name": unique("gcp"), "default": False, "project_id": project_id, "account_info": account_info(),
            "scopes": None}
    body.update(over)
    return body


def principal(**over: Any) -> dict:
    """An Azure service principal as it travels on the wire (snake_case)."""
    data = {"app_id": "00000000-aaaa-bbbb-cccc-000000000001", "display_name": "mlcube-retrain",
            "password": secret_text("azpw"), "tenant": "00000000-aaaa-bbbb-cccc-000000000002"}
    data.update(over)
    return data


def azure_body(project_id: str, **over: Any) -> dict:
    """A create_azure_integration_credentials body."""
    body = {"name": unique("az"), "default": False, "project_id": project_id, "credentials": principal()}
    body.update(over)
    return body


CREATE_PATHS = {"aws": "/integration/aws/credentials", "aws_compatible": "/integration/aws-compatible/credentials",
                "gcp": "/integration/gcp/credentials", "azure": "/integration/azure/credentials"}
BODIES = {"aws": aws_body, "aws_compatible": aws_compatible_body, "gcp": gcp_body, "azure": azure_body}


def new_credentials(wire: Any, project_id: str, kind: str, **over: Any) -> str:
    """Create credentials of *kind* and return their id."""
    return wire.ok("POST", CREATE_PATHS[kind], json=BODIES[kind](project_id, **over))["credentials_id"]


def database_bytes(home: Path) -> bytes:
    """The SQLite database file and its write-ahead log, as stored on disk."""
    return b"".join(path.read_bytes() for path in sorted(home.glob("mlcube.db*")) if path.is_file())


def trigger_body(kind: str, credentials_id: str, **over: Any) -> dict:
    """A retrain trigger (PLATFORM.md §5.17) of *kind*: aws_event_bridge, gcp_pubsub or azure_event_grid."""
    fields = {"aws_event_bridge": {"aws_region_name": "eu-west-1", "event_bus_name": "retraining"},
              "gcp_pubsub": {"topic_name": "retrain-requests"},
              "azure_event_grid": {"topic_endpoint": "https://retrain.westeurope-1.eventgrid.azure.net/api/events"}}
    body = {"type": kind, "credentials_id": credentials_id, **fields[kind]}
    body.update(over)
    return body


def rule_body(task_id: str, actions: list[dict], **over: Any) -> dict:
    """A create_detection_event_rule body as v1 sends it (every key, null filters = any)."""
    body = {"name": unique("rule"), "task_id": task_id, "severity": None, "detection_event_type": "warning_on",
            "monitoring_targets": None, "monitoring_metrics": None, "monitoring_evaluation_metrics": None,
            "generic_monitoring_dimensions": None, "actions": actions, "segment_ids": None}
    body.update(over)
    return body


SLACK = {"type": "slack_notification", "webhook": "https://hooks.slack.com/services/T000/B000/XXXX"}
