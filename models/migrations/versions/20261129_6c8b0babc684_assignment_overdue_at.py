"""Assignment.overdue_at: when a sweep first saw the item overdue (the .overdue event).

Revision ID: 6c8b0babc684
Revises: 7d313f98baa6
Create Date: 2026-11-29 06:05:32.664841
"""
import sqlalchemy as sa
from alembic import op

import models.types

revision = '6c8b0babc684'
down_revision = '7d313f98baa6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_at', models.types.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('overdue_at')

