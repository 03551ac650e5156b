"""AWS EventBridge: put one event on a bus, authenticated by project credentials.

``aws`` credentials: the platform assumes ``role_arn`` with STS (``external_id``), using its own AWS identity;
``aws_compatible`` credentials: ``access_key_id`` / ``secret_access_key`` and an optional ``endpoint_url``.
An optional ``endpoint_url`` on ``aws`` credentials points STS and EventBridge elsewhere (tests, VPC endpoints).
"""

from __future__ import annotations

import json
from typing import Any

from mlcube_nb.server.actions.result import DeliveryError

_RETRYABLE_CODES = frozenset({"ThrottlingException", "Throttling", "InternalException", "InternalFailure",
                              "ServiceUnavailable", "RequestTimeout", "TooManyRequestsException"})
SESSION_NAME = "mlcube-platform-actions"


def _config(timeout: float) -> Any:
    from botocore.config import Config

    return Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1, "mode": "standard"})


def _client_error(exc: Any, doing: str) -> DeliveryError:
    """A botocore ``ClientError`` as a delivery error: AWS's code and message, retryable on 5xx/throttling."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = str(error.get("Message", "")).strip()
    return DeliveryError(f"{doing} failed: {code}{': ' + message if message else ''}",
                         retryable=code in _RETRYABLE_CODES or (isinstance(status, int) and status >= 500),
                         status_code=status if isinstance(status, int) else None)


def _events_client(credentials: dict[str, Any], region: str, timeout: float) -> Any:
    """An EventBridge client acting with *credentials* (role assumed first for ``aws``).

    Each call builds its own boto3 session: the default session is not safe to share between the
    dispatcher's parallel deliveries.
    """
    import boto3
    from botocore.exceptions import ClientError

    aws = boto3.session.Session()
    kind = credentials.get("type")
    endpoint = credentials.get("endpoint_url") or None
    if kind == "aws_compatible":
        return aws.client("events", region_name=region, endpoint_url=endpoint, config=_config(timeout),
                          aws_access_key_id=credentials.get("access_key_id"),
                          aws_secret_access_key=credentials.get("secret_access_key"))
    if kind != "aws":
        raise DeliveryError(f"EventBridge needs aws or aws_compatible credentials, not {kind}", retryable=False)
    if not credentials.get("role_arn"):
        raise DeliveryError("the aws credentials have no role_arn", retryable=False)
    sts = aws.client("sts", region_name=region, endpoint_url=endpoint, config=_config(timeout))
    params = {"RoleArn": credentials["role_arn"], "RoleSessionName": SESSION_NAME, "DurationSeconds": 900}
    if credentials.get("external_id"):
        params["ExternalId"] = credentials["external_id"]
    try:
        temporary = sts.assume_role(**params)["Credentials"]
    except ClientError as exc:
        raise _client_error(exc, "assuming the AWS role") from exc
    return aws.client("events", region_name=region, endpoint_url=endpoint, config=_config(timeout),
                      aws_access_key_id=temporary["AccessKeyId"], aws_secret_access_key=temporary["SecretAccessKey"],
                      aws_session_token=temporary["SessionToken"])


def _put(client: Any, bus: str, source: str, detail_type: str, detail: dict[str, Any]) -> int | None:
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail, default=str),
             "EventBusName": bus}
    answer = client.put_events(Entries=[entry])
    if answer.get("FailedEntryCount"):
        failed = answer["Entries"][0]
        code = str(failed.get("ErrorCode", "Unknown"))
        raise DeliveryError(f"EventBridge rejected the event: {code}: {failed.get('ErrorMessage', '')}".rstrip(": "),
                            retryable=code in _RETRYABLE_CODES)
    return answer.get("ResponseMetadata", {}).get("HTTPStatusCode")


def put_event(credentials: dict[str, Any] | None, *, region: Any, bus: Any, source: str, detail_type: str,
              detail: dict[str, Any], timeout: float) -> int | None:
    """Put one event (*source*, *detail_type*, JSON *detail*) on *bus* in *region*; returns the HTTP status."""
    if not credentials:
        raise DeliveryError("EventBridge needs aws credentials: give the action a credentials_id", retryable=False)
    if not isinstance(region, str) or not region or not isinstance(bus, str) or not bus:
        raise DeliveryError("EventBridge needs aws_region_name and event_bus_name", retryable=False)
    try:
        import boto3  # noqa: F401 - only to report a missing optional dependency clearly
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
        )
    except ImportError as exc:
        raise DeliveryError("this server cannot reach AWS: install mlcube-nb[aws] (boto3)", retryable=False) from exc
    try:
        return _put(_events_client(credentials, region, timeout), bus, source, detail_type, detail)
    except ClientError as exc:
        raise _client_error(exc, "EventBridge PutEvents") from exc
    except (ConnectTimeoutError, ReadTimeoutError) as exc:
        raise DeliveryError(f"AWS did not answer within {timeout:g} s", retryable=True) from exc
    except EndpointConnectionError as exc:
        raise DeliveryError("could not connect to the AWS endpoint", retryable=True) from exc
    except NoCredentialsError as exc:
        raise DeliveryError("the server has no AWS identity to assume the role with", retryable=False) from exc
    except BotoCoreError as exc:
        raise DeliveryError(f"AWS call failed ({type(exc).__name__})", retryable=False) from exc
