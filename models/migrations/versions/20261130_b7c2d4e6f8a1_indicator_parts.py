"""Indicators: what a body counts for a target (numerator, denominator of a rate), how the bodies'
figures combine, a figure's denominator, and the plan's headings of its target groups.

Figures already stored for a rate were sent as a percentage, without their counts: their `base`
stays empty and the report shows them as a rate that cannot be added up.

Revision ID: b7c2d4e6f8a1
Revises: 5e2b8f0c4a17
Create Date: 2026-11-30 13:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7c2d4e6f8a1'
down_revision = '5e2b8f0c4a17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('numerator', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('denominator', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('combine', sa.String(length=10), nullable=False, server_default='sum'))
    with op.batch_alter_table('targetvalue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base', sa.Float(), nullable=True))
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headings', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('headings')
    with op.batch_alter_table('targetvalue', schema=None) as batch_op:
        batch_op.drop_column('base')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_column('combine')
        batch_op.drop_column('denominator')
        batch_op.drop_column('numerator')
