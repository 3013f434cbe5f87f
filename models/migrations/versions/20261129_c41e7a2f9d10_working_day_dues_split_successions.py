"""Due dates in working days after the cut-off; one assignment per holder when a duty is split.

Revision ID: c41e7a2f9d10
Revises: 2b3e8ddb9caa
Create Date: 2026-11-29 22:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c41e7a2f9d10'
down_revision = '2b3e8ddb9caa'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('duty', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_working_days_after_cutoff', sa.Integer(), nullable=True))

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_assignment_duty_id_period'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assignment_duty_id_period_body_id'),
                                          ['duty_id', 'period', 'body_id'])


def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_assignment_duty_id_period_body_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assignment_duty_id_period'), ['duty_id', 'period'])

    with op.batch_alter_table('duty', schema=None) as batch_op:
        batch_op.drop_column('due_working_days_after_cutoff')
