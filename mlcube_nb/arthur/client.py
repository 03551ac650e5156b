"""``ArthurAI``: the ``arthurai`` client's constructor and account/model methods, over our platform.

Organisation = company, service account = a user with a company role and an API key, model = a task with
its model (in the company's "Arthur models" project), model group = the versions of that model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError

from mlcube_nb.arthur._translate import translate
from mlcube_nb.arthur.config import ClientSettings, check_url, resolve
from mlcube_nb.arthur.enums import InputType, OutputType, Role, TextDelimiter
from mlcube_nb.arthur.exceptions import ArthurInternalError, ArthurUserError
from mlcube_nb.arthur.objects import ArthurModel, ArthurModelGroup
from mlcube_nb.client import LOGIN_PATH, Transport
from mlcube_nb.exceptions import SDKClientException

__all__ = ["ArthurAI"]

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=BaseModel)
_ID_TYPES = ("id", "partner_model_id")


def _enum(kind: type[E], value: Any, argument: str) -> E:
    """*value* as a member of *kind*: a member, its value, or its name."""
    if isinstance(value, kind):
        return value
    for member in kind:
        if value in (member.value, member.name):
            return member
    choices = ", ".join(f"{kind.__name__}.{m.name}" for m in kind)
    raise ArthurUserError(f"{argument} must be one of {choices}, not {value!r}")


def _parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ArthurInternalError(f"Unexpected answer from the platform for {model.__name__}") from exc


class ArthurAI:
    """A client that interacts with the platform the way Arthur's does (see the README's "Coming from Arthur").

    Besides Arthur's arguments it takes ``timeout`` (seconds per call) and ``session`` (a
    ``requests.Session`` to use as given, e.g. in tests).
    """

    def __init__(
        self, config: Any = None, verify_ssl: bool | None = None, url: str | None = None,
        access_key: str | None = None, offline: bool = False, login: str | None = None,
        password: str | None = None, organization_id: str | None = None, allow_insecure: bool = False,
        *, timeout: float = 60, session: requests.Session | None = None,
    ) -> None:
        settings = resolve(config, verify_ssl=verify_ssl, url=url, access_key=access_key, offline=offline,
                           login=login, password=password, organization_id=organization_id,
                           allow_insecure=allow_insecure)
        if settings.url is not None:
            check_url(settings.url, settings.allow_insecure)
        self.offline = settings.offline
        self.url = settings.url
        self._org: dict[str, str] | None = (
            {"id": settings.organization_id} if settings.organization_id is not None else None)
        self._transport: Transport | None = None
        if not self.offline:
            self._transport = self._connect(settings, timeout, session)
            self._org = self._pick_org(settings.organization_id)

    def __repr__(self) -> str:
        org = self._org["id"] if self._org else None
        return f"ArthurAI(url={self.url!r}, offline={self.offline!r}, organization_id={org!r})"

    # --- plumbing ----------------------------------------------------------------------------------------

    @staticmethod
    def _connect(settings: ClientSettings, timeout: float, session: requests.Session | None) -> Transport:
        """A transport holding the access key, or a session key got by logging in."""
        if settings.url is None:
            raise ArthurUserError("Give the platform's url (or set ARTHUR_ENDPOINT_URL or MLCUBE_URL), "
                                  "or pass offline=True")
        key = settings.access_key
        if settings.login is not None:
            anonymous = Transport(settings.url, "", timeout, session=session, verify_ssl=settings.verify_ssl)
            try:
                answer = anonymous.request("POST", LOGIN_PATH,
                                           json={"username": settings.login, "password": settings.password})
            except SDKClientException as exc:
                raise translate(exc) from exc
            finally:
                anonymous.close()
            key = answer.get("api_key") if isinstance(answer, dict) else None
            if not isinstance(key, str):
                raise ArthurInternalError("The platform's login answer holds no session key")
        if key is None:
            raise ArthurUserError("Give access_key (or set ARTHUR_API_KEY or MLCUBE_API_KEY), or login and "
                                  "password, or pass offline=True")
        return Transport(settings.url, key, timeout, session=session, verify_ssl=settings.verify_ssl)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call; offline mode and every failure become Arthur's errors."""
        if self._transport is None:
            raise ArthurUserError("This client was created with offline=True and cannot reach the platform; "
                                  "create it without offline to call this method")
        try:
            return self._transport.request(method, path, **kwargs)
        except SDKClientException as exc:
            raise translate(exc) from exc

    def _organizations(self) -> list[dict[str, str]]:
        answer = self._call("GET", "/arthur/organizations")
        if not isinstance(answer, list) or not all(isinstance(o, Mapping) and "id" in o for o in answer):
            raise ArthurInternalError("Unexpected list of organizations from the platform")
        return [{"id": str(o["id"]), "name": str(o.get("name", ""))} for o in answer]

    def _pick_org(self, wanted: str | None) -> dict[str, str] | None:
        """The organisation to work in: *wanted* if the caller belongs to it, else their first one."""
        orgs = self._organizations()
        if wanted is None:
            return orgs[0] if orgs else None
        for org in orgs:
            if org["id"] == wanted:
                return org
        raise ArthurUserError(f"You do not belong to organization {wanted}; get_current_org shows yours")

    # --- organisations -----------------------------------------------------------------------------------

    def get_current_org(self) -> dict[str, str]:
        """The organisation the client works in, as ``{"id", "name"}`` (offline: ``{"id"}`` if one was given)."""
        if self._org is None:
            raise ArthurUserError("No current organization: create a company first (ML3PlatformClient."
                                  "create_company), or give organization_id when working offline")
        return dict(self._org)

    def set_current_org(self, org_id: str) -> None:
        """Work in organisation *org_id*; only organisations the caller belongs to are accepted."""
        self._org = self._pick_org(org_id)

    # --- service accounts --------------------------------------------------------------------------------

    def create_service_account(self, description: str, role: Role | str) -> dict[str, str]:
        """A new service account with *role*; its ``token`` (an API key) is shown only in this answer."""
        body = {"description": description, "role": _enum(Role, role, "role").value}
        answer = self._call("POST", "/arthur/service-accounts", json=body)
        return self._account(answer)

    def get_service_accounts(self, description: str | None = None) -> list[dict[str, Any]]:
        """The organisation's service accounts (optionally only those with *description*); tokens are None."""
        answer = self._call("GET", "/arthur/service-accounts", params={"description": description})
        if not isinstance(answer, list):
            raise ArthurInternalError("Unexpected list of service accounts from the platform")
        return [self._account(item) for item in answer]

    @staticmethod
    def _account(item: Any) -> dict[str, Any]:
        keys = ("id", "organization_id", "description", "token")
        if not isinstance(item, Mapping) or not all(k in item for k in keys[:3]):
            raise ArthurInternalError("Unexpected service account from the platform")
        return {key: item.get(key) for key in keys}

    # --- models ------------------------------------------------------------------------------------------

    def model(
        self, partner_model_id: str | None = None, input_type: InputType | str | None = None,
        output_type: OutputType | str | None = None, model_type: OutputType | str | None = None,
        display_name: str | None = None, description: str | None = None, tags: list[str] | None = None,
        classifier_threshold: float | None = None, is_batch: bool = False,
        text_delimiter: TextDelimiter | str | None = None, expected_throughput_gb_per_day: int | None = None,
        pixel_height: int | None = None, pixel_width: int | None = None,
    ) -> ArthurModel:
        """Create a model: a task and its first version in the organisation's "Arthur models" project."""
        if model_type is not None:
            warnings.warn("model_type is deprecated: use output_type", DeprecationWarning, stacklevel=2)
            if output_type is not None and _enum(OutputType, output_type, "output_type") is not _enum(
                    OutputType, model_type, "model_type"):
                raise ArthurUserError("output_type and the deprecated model_type disagree; give only output_type")
            output_type = output_type if output_type is not None else model_type
        if input_type is None or output_type is None:
            raise ArthurUserError("model() needs input_type (an InputType) and output_type (an OutputType)")
        body = {
            "partner_model_id": partner_model_id, "input_type": _enum(InputType, input_type, "input_type").value,
            "output_type": _enum(OutputType, output_type, "output_type").value, "display_name": display_name,
            "description": description, "tags": tags, "classifier_threshold": classifier_threshold,
            "is_batch": is_batch, "expected_throughput_gb_per_day": expected_throughput_gb_per_day,
            "text_delimiter": None if text_delimiter is None else _enum(
                TextDelimiter, text_delimiter, "text_delimiter").value,
            "pixel_height": pixel_height, "pixel_width": pixel_width,
        }
        return _parse(ArthurModel, self._call("POST", "/arthur/models", json=body))

    def get_model(self, identifier: str, id_type: str = "id") -> ArthurModel:
        """An existing model by its ``id`` or by its ``partner_model_id`` (``id_type``)."""
        if id_type not in _ID_TYPES:
            raise ArthurUserError(f"id_type must be one of {', '.join(_ID_TYPES)}, not {id_type!r}")
        if id_type == "id":
            answer = self._call("GET", f"/arthur/models/{quote(str(identifier), safe='')}")
        else:
            answer = self._call("GET", "/arthur/models/by-partner-id", params={"partner_model_id": identifier})
        return _parse(ArthurModel, answer)

    def get_model_group(self, id_or_model: str | ArthurModel) -> ArthurModelGroup:
        """(BETA) The model group with this id, or the group of this model, with every version."""
        group_id = id_or_model.model_group_id if isinstance(id_or_model, ArthurModel) else id_or_model
        if not isinstance(group_id, str) or not group_id:
            raise ArthurUserError("get_model_group needs a model group id or an ArthurModel")
        return _parse(ArthurModelGroup, self._call("GET", f"/arthur/model-groups/{quote(group_id, safe='')}"))
