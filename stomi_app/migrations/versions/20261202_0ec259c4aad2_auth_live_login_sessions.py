"""auth: live login sessions (logout, deactivation and idle time-out end one session at once)

Each login gets a row; "log out everywhere" deletes a person's rows, so the per-person session_version that
did that before is dropped. Sessions from before this migration carry no live token: their holders log in again.

Revision ID: 0ec259c4aad2
Revises: e2f85f5bf7ff
Create Date: 2026-12-02 17:10:09.925102

"""
from alembic import op
import sqlalchemy as sa

import stomi_app.db


# revision identifiers, used by Alembic.
revision = '0ec259c4aad2'
down_revision = 'e2f85f5bf7ff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('created_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(user_id IS NULL) <> (citizen_id IS NULL)', name=op.f('ck_login_session_one_principal')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_login_session_citizen_id_citizen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_session_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.INTEGER(), server_default='1', nullable=False))

    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.INTEGER(), server_default='1', nullable=False))

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_session_last_seen_at'))
        batch_op.drop_index(batch_op.f('ix_login_session_citizen_id'))

    op.drop_table('login_session')
