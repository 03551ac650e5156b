"""``ML3PlatformClient``: the notebook's client of the platform, method for method the seed reference.

The methods live in one module per area (``company.py``, ``projects.py`` ...); this class composes them
over one :class:`Transport` (session, retries, timeouts, error mapping). Every failure it raises is an
:class:`~mlcube_nb.exceptions.SDKClientException`; list-returning methods give a :class:`RecordList`.
"""

from __future__ import annotations

import os
from types import TracebackType

import requests

from mlcube_nb.client._records import RecordList
from mlcube_nb.client._transport import Transport
from mlcube_nb.client.api_keys import ApiKeyMethods
from mlcube_nb.client.company import CompanyMethods
from mlcube_nb.client.credentials import CredentialMethods
from mlcube_nb.client.data import DataMethods
from mlcube_nb.client.estimation import EstimationMethods
from mlcube_nb.client.jobs import JobMethods
from mlcube_nb.client.kpis import KpiMethods
from mlcube_nb.client.models_api import ModelMethods
from mlcube_nb.client.monitoring import MonitoringMethods
from mlcube_nb.client.projects import ProjectMethods
from mlcube_nb.client.rag_evaluation import RagEvaluationMethods
from mlcube_nb.client.retraining import RetrainingMethods
from mlcube_nb.client.rules import RuleMethods
from mlcube_nb.client.schemas import SchemaMethods
from mlcube_nb.client.tasks import TaskMethods
from mlcube_nb.client.topic_modeling import TopicModelingMethods
from mlcube_nb.client.triggers import TriggerMethods
from mlcube_nb.client.users import UserMethods
from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import SDKClientException

__all__ = ["ML3PlatformClient", "RecordList", "Transport"]

URL_ENV = "MLCUBE_URL"
API_KEY_ENV = "MLCUBE_API_KEY"
LOGIN_PATH = "/session"


class ML3PlatformClient(
    CompanyMethods,
    ProjectMethods,
    TaskMethods,
    ModelMethods,
    SchemaMethods,
    KpiMethods,
    DataMethods,
    JobMethods,
    MonitoringMethods,
    EstimationMethods,
    RuleMethods,
    UserMethods,
    ApiKeyMethods,
    CredentialMethods,
    TriggerMethods,
    RagEvaluationMethods,
    RetrainingMethods,
    TopicModelingMethods,
):
    """Single point of interaction with the platform, authenticated by the user's API key.

    ``url`` and ``api_key`` default to the ``MLCUBE_URL`` and ``MLCUBE_API_KEY`` environment variables;
    :meth:`login` builds a client from a username and password instead. ``session`` lets tests or
    embedders supply their own ``requests.Session`` (used as given, without the default retry adapters);
    ``verify_ssl=False`` accepts self-signed certificates.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        timeout: int = 60,
        *,
        session: requests.Session | None = None,
        verify_ssl: bool = True,
    ) -> None:
        url = url or os.environ.get(URL_ENV)
        api_key = api_key or os.environ.get(API_KEY_ENV)
        if not url or not api_key:
            raise SDKClientException(
                ErrorCode.INVALID_PARAMETERS,
                f"Both url and api_key are needed to create the client: pass them or set {URL_ENV} and {API_KEY_ENV}",
            )
        self._transport = Transport(url, api_key, timeout, session=session, verify_ssl=verify_ssl)

    @classmethod
    def login(
        cls,
        url: str | None,
        username: str,
        password: str,
        timeout: int = 60,
        *,
        session: requests.Session | None = None,
        verify_ssl: bool = True,
    ) -> ML3PlatformClient:
        """A client on a session key got by logging in with *username* and *password* (it expires, see README).

        ``url`` defaults to ``MLCUBE_URL``. A wrong username or password raises UnauthorizedException.
        """
        url = url or os.environ.get(URL_ENV)
        if not url:
            raise SDKClientException(ErrorCode.INVALID_PARAMETERS, f"Pass the platform's url or set {URL_ENV}")
        anonymous = Transport(url, "", timeout, session=session, verify_ssl=verify_ssl)
        try:
            answer = anonymous.request("POST", LOGIN_PATH, json={"username": username, "password": password})
        finally:
            anonymous.close()
        if not isinstance(answer, dict) or not isinstance(answer.get("api_key"), str):
            raise SDKClientException("INVALID_RESPONSE", "The platform's login answer holds no session key")
        return cls(url, answer["api_key"], timeout, session=session, verify_ssl=verify_ssl)

    @property
    def url(self) -> str:
        """The platform's URL, as given to the constructor (the API lives under ``<url>/sdk/v1``)."""
        return self._transport.root_url

    @property
    def timeout(self) -> float:
        """Seconds to wait for the platform on each call (connect and read)."""
        return self._transport.timeout

    def __repr__(self) -> str:
        return f"ML3PlatformClient(url={self.url!r}, timeout={self.timeout!r})"

    def close(self) -> None:
        """Release the HTTP connections (only those of a session the client created)."""
        self._transport.close()

    def __enter__(self) -> ML3PlatformClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
