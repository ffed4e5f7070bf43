"""auth: staff second factor (TOTP, recovery codes, per-role policy), the account an audit event is about, and a
municipality's invoice person reference

Revision ID: a7d2c9e1f3b8
Revises: a7c3d9e1f405
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa

import stomi_app.db


# revision identifiers, used by Alembic.
revision = 'a7d2c9e1f3b8'
down_revision = 'a7c3d9e1f405'
branch_labels = None
depends_on = None

ROLE = sa.Enum('citizen', 'nurse', 'grant_officer', 'municipal_manager', 'callcenter', 'fsc_admin', 'warehouse',
               name='role', native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', stomi_app.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', stomi_app.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_recovery_code_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('two_factor_policy',
    sa.Column('role', ROLE, nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('changed_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_two_factor_policy_changed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('role', name=op.f('pk_two_factor_policy'))
    )

    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_reference', sa.String(length=100), nullable=True))

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_subject_user_id'), ['subject_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_subject_user_id_user_account'), 'user_account', ['subject_user_id'], ['id'])


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_subject_user_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_event_subject_user_id'))
        batch_op.drop_column('subject_user_id')

    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('invoice_reference')

    op.drop_table('two_factor_policy')

    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))

    op.drop_table('recovery_code')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('totp_secret_encrypted')
