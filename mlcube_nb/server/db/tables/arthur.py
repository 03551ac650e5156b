"""Tables of the ArthurAI-compatible facade: Arthur-only metadata kept beside our own objects.

An Arthur *organisation* is a company, a *model* is a task with its model, a *service account* is a user
with a company role and an API key; these rows hold what Arthur knows and we otherwise would not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, utcnow


class ArthurProjectRow(Base):
    """The project of a company where models created through the Arthur facade live."""

    __tablename__ = "arthur_projects"

    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArthurModelRow(Base):
    """Arthur's settings of one model version; ``partner_model_id`` is unique within a company."""

    __tablename__ = "arthur_models"
    __table_args__ = (UniqueConstraint("company_id", "partner_model_id"),)

    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    partner_model_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    input_type: Mapped[str] = mapped_column(String(32))
    output_type: Mapped[str] = mapped_column(String(32))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    classifier_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_batch: Mapped[bool] = mapped_column(Boolean, default=False)
    text_delimiter: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expected_throughput_gb_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pixel_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pixel_width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArthurServiceAccountRow(Base):
    """Marks a user as a service account of its company and keeps the description Arthur lists it by."""

    __tablename__ = "arthur_service_accounts"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
