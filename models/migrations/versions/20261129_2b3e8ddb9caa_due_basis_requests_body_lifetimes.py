"""Due dates with their basis (plan, law, coordinator), request duties, bodies' lifetimes.

Revision ID: 2b3e8ddb9caa
Revises: a0d9f36ae422
Create Date: 2026-11-29 21:26:57.167697
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '2b3e8ddb9caa'
down_revision = 'a0d9f36ae422'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('active_until', sa.Date(), nullable=True))

    with op.batch_alter_table('duty', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_basis', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                      server_default='coordinator'))
        batch_op.add_column(sa.Column('due_source', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('request', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('duty', schema=None) as batch_op:
        batch_op.drop_column('request')
        batch_op.drop_column('due_source')
        batch_op.drop_column('due_basis')

    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.drop_column('active_until')
        batch_op.drop_column('active_from')

