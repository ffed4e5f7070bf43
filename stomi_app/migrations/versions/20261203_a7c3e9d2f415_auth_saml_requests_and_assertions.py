"""auth: NemLog-in (SAML) sign-ins asked for, and assertion ids already used (replay refused)

Revision ID: a7c3e9d2f415
Revises: 7a5c2e9b4d10
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa
import stomi_app.db


# revision identifiers, used by Alembic.
revision = 'a7c3e9d2f415'
down_revision = '7a5c2e9b4d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saml_request',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('next_url', sa.String(length=2000), nullable=False),
    sa.Column('expires_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('answered_at', stomi_app.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_request'))
    )
    with op.batch_alter_table('saml_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saml_request_browser_hash'), ['browser_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_saml_request_expires_at'), ['expires_at'], unique=False)

    op.create_table('saml_assertion',
    sa.Column('id', sa.String(length=256), nullable=False),
    sa.Column('expires_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_assertion'))
    )
    with op.batch_alter_table('saml_assertion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saml_assertion_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('saml_assertion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saml_assertion_expires_at'))
    op.drop_table('saml_assertion')
    with op.batch_alter_table('saml_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saml_request_expires_at'))
        batch_op.drop_index(batch_op.f('ix_saml_request_browser_hash'))
    op.drop_table('saml_request')
