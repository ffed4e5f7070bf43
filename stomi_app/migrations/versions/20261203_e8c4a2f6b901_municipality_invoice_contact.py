"""municipality: the invoice contact (name and e-mail) the secretariat writes to

Revision ID: e8c4a2f6b901
Revises: d6b2f9e4a813
Create Date: 2026-12-03 08:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8c4a2f6b901'
down_revision = 'd6b2f9e4a813'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_contact_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('invoice_contact_email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('invoice_contact_email')
        batch_op.drop_column('invoice_contact_name')
