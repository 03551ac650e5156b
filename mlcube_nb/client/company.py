"""Company and subscription methods (PLATFORM.md §2 rows 1–5)."""

from __future__ import annotations

from mlcube_nb.client._base import ClientCore
from mlcube_nb.client._records import RecordList
from mlcube_nb.exceptions import CreateCompanyException, UpdateCompanyException
from mlcube_nb.models import Company, CreateCompanyRequest, SubscriptionPlanInfo, UpdateCompanyRequest

__all__ = ["CompanyMethods"]


class CompanyMethods(ClientCore):
    """The caller's company: create it once, read it, update it, and read its subscription plans."""

    def create_company(self, name: str, address: str, vat: str) -> str:
        """Create the caller's company (only for a user without one); the caller becomes its owner."""
        body = self._build(CreateCompanyRequest, CreateCompanyException, name=name, address=address, vat=vat)
        return self._call("POST", "/company", json=body, exc=CreateCompanyException)

    def get_company(self) -> Company:
        """Return the caller's company."""
        return self._parse(Company, self._call("GET", "/company"))

    def update_company(
        self, name: str | None = None, address: str | None = None, vat: str | None = None
    ) -> None:
        """Update company information; ``None`` leaves a field unchanged."""
        body = self._build(UpdateCompanyRequest, UpdateCompanyException, name=name, address=address, vat=vat)
        self._call("PATCH", "/company", json=body, exc=UpdateCompanyException, expect="none")

    def get_all_company_subscription_plans(self) -> RecordList[SubscriptionPlanInfo]:
        """Return every subscription plan of the company."""
        return self._parse_list(SubscriptionPlanInfo, self._call("GET", "/company/subscriptions"))

    def get_active_subscription_plan(self) -> SubscriptionPlanInfo | None:
        """Return the active subscription plan, or ``None`` when the company has none."""
        data = self._call("GET", "/company/current-subscription")
        return None if data is None else self._parse(SubscriptionPlanInfo, data)
