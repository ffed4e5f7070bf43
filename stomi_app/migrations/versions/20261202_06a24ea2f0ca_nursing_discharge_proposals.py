"""nursing: discharge proposals

A discharge for a citizen already registered no longer writes its stoma type, date of operation and cutting
measure over the profile: it proposes them, and a nurse of the citizen's own care accepts or declines.

Revision ID: 06a24ea2f0ca
Revises: bddb43903334
Create Date: 2026-12-02 17:30:13.056235

"""
from alembic import op
import sqlalchemy as sa

import stomi_app.db


# revision identifiers, used by Alembic.
revision = '06a24ea2f0ca'
down_revision = 'bddb43903334'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('discharge_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('stoma_type', sa.Enum('colostomy', 'ileostomy', 'urostomy', name='stomatype', native_enum=False, length=20), nullable=True),
    sa.Column('operation_date', sa.Date(), nullable=True),
    sa.Column('shape', sa.Enum('round', 'oval', name='cutshape', native_enum=False, length=10), nullable=True),
    sa.Column('diameter_mm', sa.Integer(), nullable=True),
    sa.Column('width_mm', sa.Integer(), nullable=True),
    sa.Column('height_mm', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'accepted', 'declined', name='proposalstatus', native_enum=False, length=20), nullable=False),
    sa.Column('decided_at', stomi_app.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_discharge_proposal_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_discharge_proposal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_discharge_proposal_proposed_by_id_user_account')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['grant_recommendation.id'], name=op.f('fk_discharge_proposal_recommendation_id_grant_recommendation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discharge_proposal')),
    sa.UniqueConstraint('recommendation_id', name=op.f('uq_discharge_proposal_recommendation_id'))
    )
    with op.batch_alter_table('discharge_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discharge_proposal_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discharge_proposal_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('discharge_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discharge_proposal_status'))
        batch_op.drop_index(batch_op.f('ix_discharge_proposal_citizen_id'))

    op.drop_table('discharge_proposal')
