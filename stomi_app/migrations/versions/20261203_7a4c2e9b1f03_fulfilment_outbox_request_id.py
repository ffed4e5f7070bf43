"""fulfilment: the outbox keeps the id of the request that accepted the order, sent on to the provider

Revision ID: 7a4c2e9b1f03
Revises: a7d2c9e1f3b8
Create Date: 2026-12-03 06:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7a4c2e9b1f03'
down_revision = 'a7d2c9e1f3b8'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable and without a default: rows already waiting have no request id, and adding the column is instant.
    with op.batch_alter_table('fulfilment_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table('fulfilment_outbox', schema=None) as batch_op:
        batch_op.drop_column('request_id')
