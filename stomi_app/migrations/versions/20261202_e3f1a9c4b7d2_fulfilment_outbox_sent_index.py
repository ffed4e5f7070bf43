"""fulfilment: index the outbox by status and time sent, for the warehouse's newest-sent list

Revision ID: e3f1a9c4b7d2
Revises: c4a7e2d91b35
Create Date: 2026-12-02 18:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e3f1a9c4b7d2'
down_revision = 'c4a7e2d91b35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fulfilment_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_fulfilment_outbox_status_sent_at', ['status', 'sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('fulfilment_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfilment_outbox_status_sent_at')
