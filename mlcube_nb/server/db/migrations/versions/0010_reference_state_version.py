"""reference states: a version per summary, and the part batches advance kept apart

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:50:00.000000

A reference summary never changes once set; only the error stream's detector moves with each batch.
``version`` (new with every reference set) lets a server keep the summary parsed, and ``carried``
holds what batches advance, so a batch no longer rewrites the whole summary. Rows written before this
revision keep a NULL version and carried: their summary still holds the detector, which the first
batch after the upgrade moves into ``carried``.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reference_states') as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('carried', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                        'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reference_states') as batch_op:
        batch_op.drop_column('carried')
        batch_op.drop_column('version')
