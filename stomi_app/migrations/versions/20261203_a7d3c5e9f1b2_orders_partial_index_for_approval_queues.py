"""orders: a partial index for the approval queues instead of the plain status index

Revision ID: a7d3c5e9f1b2
Revises: a7c3e9d2f415
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c5e9f1b2'
down_revision = 'a7c3e9d2f415'
branch_labels = None
depends_on = None

AWAITING = sa.text("status = 'awaiting_approval'")


def upgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_order_status')
        batch_op.create_index('ix_supply_order_awaiting_approval', ['submitted_at'], unique=False,
                              postgresql_where=AWAITING, sqlite_where=AWAITING)


def downgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_order_awaiting_approval')
        batch_op.create_index('ix_supply_order_status', ['status'], unique=False)
