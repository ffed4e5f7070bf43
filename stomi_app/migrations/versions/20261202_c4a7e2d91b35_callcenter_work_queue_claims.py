"""callcenter: claims on the work queues (delivery problems, call-backs), kept with the closing note

Revision ID: c4a7e2d91b35
Revises: 5b1e7c0d9a21
Create Date: 2026-12-02 18:30:00

"""
from alembic import op
import sqlalchemy as sa

from stomi_app.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c4a7e2d91b35'
down_revision = '5b1e7c0d9a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('callcenter_queue_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('delivery_problem', 'call_back', name='queuekind', native_enum=False, length=30), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', UTCDateTime(), nullable=False),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_callcenter_queue_claim_agent_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callcenter_queue_claim')),
    sa.UniqueConstraint('kind', 'ref_id', name='one_claim_per_queue_item')
    )
    with op.batch_alter_table('callcenter_queue_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callcenter_queue_claim_agent_id'), ['agent_id'], unique=False)


def downgrade():
    with op.batch_alter_table('callcenter_queue_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callcenter_queue_claim_agent_id'))
    op.drop_table('callcenter_queue_claim')
