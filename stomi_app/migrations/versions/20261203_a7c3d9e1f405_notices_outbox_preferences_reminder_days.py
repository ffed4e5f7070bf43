"""notices: the notice per event, its deliveries per channel (outbox), preferences, reminder days per municipality

Revision ID: a7c3d9e1f405
Revises: a7c3e5f19b02
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa

from stomi_app.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a7c3d9e1f405'
down_revision = 'a7c3e5f19b02'  # after the job queue's job_run (branch w21jobs, merged here first)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days_before', sa.Integer(), nullable=False, server_default='10'))

    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('read_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_notice_citizen_id_citizen')),
        sa.ForeignKeyConstraint(['order_id'], ['supply_order.id'], name=op.f('fk_notice_order_id_supply_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
        sa.UniqueConstraint('key', name=op.f('uq_notice_key')),
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_citizen_created', ['citizen_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_order_id'), ['order_id'], unique=False)

    op.create_table(
        'notice_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('status', sa.Enum('pending', 'sent', 'failed', 'skipped', name='deliverystatus', native_enum=False,
                                    length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('recipient', sa.String(length=254), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_delivery_notice_id_notice')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_delivery')),
        sa.UniqueConstraint('notice_id', 'channel', name='uq_notice_delivery_notice_channel'),
    )
    with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notice_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_delivery_claim_token'), ['claim_token'], unique=False)

    op.create_table(
        'notice_preferences',
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.Column('sms', sa.Boolean(), nullable=False),
        sa.Column('digital_post', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_notice_preferences_citizen_id_citizen')),
        sa.PrimaryKeyConstraint('citizen_id', name=op.f('pk_notice_preferences')),
    )


def downgrade():
    op.drop_table('notice_preferences')
    with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_delivery_claim_token'))
        batch_op.drop_index('ix_notice_delivery_due')
    op.drop_table('notice_delivery')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_order_id'))
        batch_op.drop_index('ix_notice_citizen_created')
    op.drop_table('notice')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('reminder_days_before')
