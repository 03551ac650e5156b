"""Company routes (PLATFORM.md §2 rows 1–5)."""

from __future__ import annotations

from fastapi import APIRouter

from mlcube_nb.models import Company, CreateCompanyRequest, SubscriptionPlanInfo, UpdateCompanyRequest
from mlcube_nb.server.routes.deps import CallerDep, SessionDep, SettingsDep
from mlcube_nb.server.services.accounts import company

router = APIRouter(tags=["company"])


@router.post("/company", operation_id="create_company")
def create_company(body: CreateCompanyRequest, session: SessionDep, caller: CallerDep) -> str:
    return company.create(session=session, caller=caller, name=body.name, address=body.address, vat=body.vat)


@router.get("/company", operation_id="get_company")
def get_company(session: SessionDep, caller: CallerDep) -> Company:
    return company.to_model(company.get_or_raise(session=session, caller=caller))


@router.patch("/company", operation_id="update_company")
def update_company(body: UpdateCompanyRequest, session: SessionDep, caller: CallerDep) -> Company:
    return company.update(session=session, caller=caller, name=body.name, address=body.address, vat=body.vat)


@router.get("/company/subscriptions", operation_id="get_all_company_subscription_plans")
def get_subscriptions(session: SessionDep, caller: CallerDep, settings: SettingsDep) -> list[SubscriptionPlanInfo]:
    return [company.local_plan(session=session, caller=caller, settings=settings)]


@router.get("/company/current-subscription", operation_id="get_active_subscription_plan")
def get_active_subscription(
    session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> SubscriptionPlanInfo | None:
    return company.local_plan(session=session, caller=caller, settings=settings)
