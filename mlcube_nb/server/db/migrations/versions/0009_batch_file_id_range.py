"""batch files record the range of their sample ids (prunes the duplicate-id check)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:50:00.000000

Files written before this revision keep a NULL range: the duplicate-id check reads their Parquet
footer statistics (or, lacking those, their ids) as it did before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batch_files') as batch_op:
        batch_op.add_column(sa.Column('id_range', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                         'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('batch_files') as batch_op:
        batch_op.drop_column('id_range')
