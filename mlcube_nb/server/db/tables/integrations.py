"""Tables of a project's integrations: encrypted credentials and detection-event rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlcube_nb.server.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class CredentialsRow(Base):
    """Integration credentials: public fields in clear, the secret part encrypted (Fernet) at rest."""

    __tablename__ = "integration_credentials"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    secret_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DetectionEventRuleRow(Base):
    """A rule of a task: which detection events it matches and the ordered actions it runs."""

    __tablename__ = "detection_event_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    model_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    detection_event_type: Mapped[str] = mapped_column(String(64))
    monitoring_targets: Mapped[list[str]] = mapped_column(JSONType, default=list)
    monitoring_metrics: Mapped[dict[str, list[str]]] = mapped_column(JSONType, default=dict)
    monitoring_evaluation_metrics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    generic_monitoring_dimensions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    segment_ids: Mapped[list[str | None]] = mapped_column(JSONType, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
