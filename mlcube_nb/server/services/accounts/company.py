"""Companies and the local subscription plan."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcube_nb.enums import (
    BooleanLicenceFeature,
    ErrorCode,
    NumericLicenceFeature,
    SubscriptionType,
    UserCompanyRole,
)
from mlcube_nb.models import Company, NumericLicenceFeatureInfo, SubscriptionPlanInfo
from mlcube_nb.server.db.tables import CompanyRow, UserRow
from mlcube_nb.server.errors import Conflict, NotFound
from mlcube_nb.server.rbac import Caller, CompanyPermission
from mlcube_nb.server.services.catalog import tasks
from mlcube_nb.server.services.ingest import quota
from mlcube_nb.server.settings import Settings


def to_model(row: CompanyRow) -> Company:
    """The wire model of a company row."""
    return Company(company_id=row.id, name=row.name, address=row.address, vat=row.vat)


def create(*, session: Session, caller: Caller, name: str, address: str, vat: str) -> str:
    """Create a company for a caller who has none; the caller becomes its COMPANY_OWNER."""
    if caller.company_id is not None:
        raise Conflict(ErrorCode.USER_ALREADY_IN_COMPANY, "You already belong to a company; a user has one")
    company = CompanyRow(name=name, address=address, vat=vat)
    session.add(company)
    session.flush()
    user = session.get(UserRow, caller.user_id)
    assert user is not None  # the caller was resolved from this row in the same request
    user.company_id = company.id
    user.company_role = UserCompanyRole.COMPANY_OWNER.value
    return company.id


def get_or_raise(*, session: Session, caller: Caller) -> CompanyRow:
    """The caller's company."""
    row = session.get(CompanyRow, caller.company_id_or_raise())
    if row is None:
        raise NotFound(ErrorCode.COMPANY_NOT_FOUND, "Your company no longer exists")
    return row


def update(
    *, session: Session, caller: Caller, name: str | None, address: str | None, vat: str | None
) -> Company:
    """Change the given fields of the caller's company (None = keep)."""
    caller.require(CompanyPermission.UPDATE_COMPANY_INFORMATION)
    row = get_or_raise(session=session, caller=caller)
    for field, value in (("name", name), ("address", address), ("vat", vat)):
        if value is not None:
            setattr(row, field, value)
    return to_model(row)


def local_plan(*, session: Session, caller: Caller, settings: Settings) -> SubscriptionPlanInfo:
    """The one local plan: every module on, quotas from settings, usage counted live."""
    company_id = caller.require(CompanyPermission.UPDATE_COMPANY_INFORMATION)
    row = get_or_raise(session=session, caller=caller)
    users = session.scalar(select(func.count()).select_from(UserRow).where(UserRow.company_id == company_id))
    used = {
        NumericLicenceFeature.MAX_USERS: (settings.max_users, users or 0),
        NumericLicenceFeature.MAX_TASKS: (
            settings.max_tasks, tasks.count_for_company(session, company_id)
        ),
        NumericLicenceFeature.DAILY_DATA_BATCH_UPLOAD: (
            settings.daily_data_batch_upload,
            quota.production_batches_today(session, company_id),
        ),
    }
    return SubscriptionPlanInfo(
        subscription_id=f"local-{company_id}",
        type=SubscriptionType.EDGE,
        boolean_licence_features=list(BooleanLicenceFeature),
        numeric_licence_features=[
            NumericLicenceFeatureInfo(feature=f, max_value=limit, used_value=count)
            for f, (limit, count) in used.items()
        ],
        is_active=True,
        start_date=row.created_at.date() if row.created_at else date.today(),
        expiration_date=None,
        product_key=None,
        product_key_status=None,
    )
