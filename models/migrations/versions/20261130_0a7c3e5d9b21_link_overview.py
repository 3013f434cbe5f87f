"""A signed link may open a plan's full lists (a digest's capped lists): link.plan_id, and
link.assignment_id may be empty.

Revision ID: 0a7c3e5d9b21
Revises: f3a9d1c6e2b8
Create Date: 2026-11-30 06:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0a7c3e5d9b21'
down_revision = 'f3a9d1c6e2b8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_link_plan_id_plan'), 'plan', ['plan_id'], ['id'])
        batch_op.alter_column('assignment_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM link WHERE assignment_id IS NULL")
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.alter_column('assignment_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_link_plan_id_plan'), type_='foreignkey')
        batch_op.drop_column('plan_id')
