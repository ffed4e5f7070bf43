"""recommendations: a line may only stop a granted product (a change to a one-piece system ends the baseplate)

Revision ID: b9e4d2a6c813
Revises: a7d3c1e9f402
Create Date: 2026-12-03 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9e4d2a6c813'
down_revision = 'a7d3c1e9f402'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grant_recommendation_line', schema=None) as batch_op:
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_grant_recommendation_line_a_product_or_a_stop'),
                                         'variant_id IS NOT NULL OR replaces_variant_id IS NOT NULL')


def downgrade():
    op.execute("DELETE FROM grant_recommendation_line WHERE variant_id IS NULL")
    with op.batch_alter_table('grant_recommendation_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_grant_recommendation_line_a_product_or_a_stop'), type_='check')
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=False)
