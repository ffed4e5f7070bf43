"""grants: the grant officer's case notes on a citizen, kept with the municipality that wrote them

Revision ID: c5a1e8d3f702
Revises: c4f19a7e2d35
Create Date: 2026-12-03 07:55:00

"""
from alembic import op
import sqlalchemy as sa
import stomi_app.db


# revision identifiers, used by Alembic.
revision = 'c5a1e8d3f702'
down_revision = 'c4f19a7e2d35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_case_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_case_note_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_case_note_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_note_municipality_id'), ['municipality_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_case_note_citizen_id'))
    op.drop_table('case_note')
