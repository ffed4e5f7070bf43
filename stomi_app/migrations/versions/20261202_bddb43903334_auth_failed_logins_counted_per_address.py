"""auth: failed logins counted per address

Failures and lock-outs are kept per e-mail address (as a keyed hash), whether an account has the address or not,
so the lock-out no longer tells which addresses belong to staff; the counters on user_account go. Failures
counted before this migration are forgotten.

Revision ID: bddb43903334
Revises: 0ec259c4aad2
Create Date: 2026-12-02 17:15:21.890599

"""
from alembic import op
import sqlalchemy as sa

import stomi_app.db


# revision identifiers, used by Alembic.
revision = 'bddb43903334'
down_revision = '0ec259c4aad2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_logins',
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('locked_until', stomi_app.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('address_key', name=op.f('pk_failed_logins'))
    )
    with op.batch_alter_table('failed_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_logins_last_failure_at'), ['last_failure_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.INTEGER(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', stomi_app.db.UTCDateTime(), nullable=True))

    with op.batch_alter_table('failed_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_logins_last_failure_at'))

    op.drop_table('failed_logins')
