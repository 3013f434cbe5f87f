"""An index on the outbox by recipient, channel and status: a message of the day claims its
recipient's rows, and without it every claim read every row due that day.

Revision ID: 9c4d2a7e1f03
Revises: b7c2d4e6f8a1
Create Date: 2026-12-01 04:00:00
"""
from alembic import op

revision = '9c4d2a7e1f03'
down_revision = 'b7c2d4e6f8a1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_recipient', ['recipient', 'channel', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_recipient')
