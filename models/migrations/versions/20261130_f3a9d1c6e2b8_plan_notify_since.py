"""The day dondoc began following a plan up: what fell due before it is never nagged or escalated.

Existing plans get none (everything is told, as before) until `dondoc init` records the day.

Revision ID: f3a9d1c6e2b8
Revises: e5a1c0d2b7f4
Create Date: 2026-11-30 06:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f3a9d1c6e2b8'
down_revision = 'e5a1c0d2b7f4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_since', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('notify_since')
