"""Reliability: unknown delivery outcomes, the events cursor, portal sessions, login throttles;
contact emails in lower case (an address whose case changed is the same recipient).

Revision ID: a0d9f36ae422
Revises: 6c8b0babc684
Create Date: 2026-11-29 18:19:33.049933
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = 'a0d9f36ae422'
down_revision = '6c8b0babc684'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('eventcursor',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_eventcursor'))
    )
    # The events mirrored so far were counted by a Prefect variable: start after the audit log's
    # end, so that an upgrade does not emit the whole history again.
    op.execute("INSERT INTO eventcursor (name, position) SELECT 'prefect', COALESCE(MAX(id), 0) FROM auditentry")
    op.create_table('loginthrottle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('window_start', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_loginthrottle'))
    )
    op.create_table('portalsession',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_portalsession_contact_id_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portalsession'))
    )
    with op.batch_alter_table('portalsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portalsession_contact_id'), ['contact_id'], unique=False)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unknown_outcomes', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE contact SET email = lower(email) WHERE email IS NOT NULL")



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('unknown_outcomes')

    with op.batch_alter_table('portalsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portalsession_contact_id'))

    op.drop_table('portalsession')
    op.drop_table('loginthrottle')
    op.drop_table('eventcursor')
