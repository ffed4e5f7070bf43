"""orders: a note to the driver (where to leave the parcel), apart from the note for whoever decides the order

Revision ID: a7d3c1e9f402
Revises: a7d3c5e9f1b2
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c1e9f402'
down_revision = 'a7d3c5e9f1b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('driver_note', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('supply_order', schema=None) as batch_op:
        batch_op.drop_column('driver_note')
