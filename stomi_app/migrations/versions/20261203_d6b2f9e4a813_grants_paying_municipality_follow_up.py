"""grants: the paying municipality (when another than the acting one pays) and a follow-up date, as in Nexus

Revision ID: d6b2f9e4a813
Revises: c5a1e8d3f702
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd6b2f9e4a813'
down_revision = 'c5a1e8d3f702'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grant_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paying_municipality_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_grant_decision_paying_municipality_id_municipality'), 'municipality',
                                    ['paying_municipality_id'], ['id'])


def downgrade():
    with op.batch_alter_table('grant_decision', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_grant_decision_paying_municipality_id_municipality'), type_='foreignkey')
        batch_op.drop_column('follow_up_on')
        batch_op.drop_column('paying_municipality_id')
