"""Company, subscription, project, user and API-key models (PLATFORM.md §5.1–5.3, §5.12)."""

from __future__ import annotations

from datetime import date

from mlcube_nb.enums import (
    BooleanLicenceFeature,
    NumericLicenceFeature,
    ProductKeyStatus,
    StoragePolicy,
    SubscriptionType,
    UserCompanyRole,
)
from mlcube_nb.models.common import WireModel


class Company(WireModel):
    """The caller's company."""

    company_id: str
    name: str
    address: str
    vat: str


class NumericLicenceFeatureInfo(WireModel):
    """Usage of one quota of a subscription plan (``max_value`` null = unlimited)."""

    feature: NumericLicenceFeature
    max_value: int | None
    used_value: int


class SubscriptionPlanInfo(WireModel):
    """A subscription plan: switched-on modules, quotas and validity."""

    subscription_id: str
    type: SubscriptionType
    boolean_licence_features: list[BooleanLicenceFeature]
    numeric_licence_features: list[NumericLicenceFeatureInfo]
    is_active: bool
    start_date: date
    expiration_date: date | None
    product_key: str | None
    product_key_status: ProductKeyStatus | None


class Project(WireModel):
    """A project; v1 reads only id and name, the optional extras are ours."""

    project_id: str
    name: str
    description: str | None = None
    default_storage_policy: StoragePolicy | None = None


class CompanyUser(WireModel):
    """A member of the caller's company and its company role."""

    user_id: str
    company_role: UserCompanyRole
    name: str | None = None
    surname: str | None = None
    username: str | None = None
    email: str | None = None


class ApiKey(WireModel):
    """An API key of a user (``expiration_time`` null = never expires)."""

    api_key: str
    name: str
    expiration_time: str | None = None
