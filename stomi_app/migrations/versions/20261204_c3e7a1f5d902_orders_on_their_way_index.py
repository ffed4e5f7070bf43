"""orders: a partial index on the orders on their way (sent to the warehouse, not yet delivered), for the warehouse's late list

Revision ID: c3e7a1f5d902
Revises: 5e0a7c3d9b21
Create Date: 2026-12-04 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e7a1f5d902'
down_revision = '5e0a7c3d9b21'
branch_labels = None
depends_on = None

ON_ITS_WAY = sa.text("status IN ('sent_to_warehouse', 'picked', 'cut', 'packed', 'shipped', 'delivery_failed')")


def upgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.create_index('ix_supply_order_on_its_way', ['id'], unique=False,
                              postgresql_where=ON_ITS_WAY, sqlite_where=ON_ITS_WAY)


def downgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_order_on_its_way')
