"""orders: index replacements by the order they replace

The callcenter's problem page asks, for a delivered order, which packs replacements have already re-sent; without an
index on supply_order.replaces_order_id that read every order (0.4-0.6 s at region scale, growing with history).
Partial: only replacements have the column set.

Revision ID: 5b1e7c0d9a21
Revises: 06a24ea2f0ca
Create Date: 2026-12-02 17:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c0d9a21'
down_revision = '06a24ea2f0ca'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.create_index('ix_supply_order_replaces_order_id', ['replaces_order_id'], unique=False,
                              postgresql_where=sa.text('replaces_order_id IS NOT NULL'),
                              sqlite_where=sa.text('replaces_order_id IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_order_replaces_order_id')
