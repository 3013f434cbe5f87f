"""A contact's position (chức vụ), as letters address them; optional in the directory.

Revision ID: 5e2b8f0c4a17
Revises: 0a7c3e5d9b21
Create Date: 2026-11-30 07:30:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '5e2b8f0c4a17'
down_revision = '0a7c3e5d9b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('position')
