"""A plan's life: draft, closed from a date, the plan it implements and its parent's duties and
targets that its own carry out.

Revision ID: e5a1c0d2b7f4
Revises: c41e7a2f9d10
Create Date: 2026-11-30 03:10:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'e5a1c0d2b7f4'
down_revision = 'c41e7a2f9d10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_parent_id_plan'), 'plan', ['parent_id'], ['id'])

    for table in ('duty', 'target'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('implements', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    for table in ('duty', 'target'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('implements')

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_parent_id_plan'), type_='foreignkey')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('draft')
