"""api: the municipalities' API clients (OAuth 2.0 client credentials), hashed access tokens, idempotent answers

Revision ID: 7a5c2e9b4d10
Revises: 7a4c2e9b1f03
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa

import stomi_app.db


# revision identifiers, used by Alembic.
revision = '7a5c2e9b4d10'
down_revision = '7a4c2e9b1f03'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False),
    sa.Column('system_user_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('secret_rotated_at', stomi_app.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', stomi_app.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_client_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_api_client_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['system_user_id'], ['user_account.id'], name=op.f('fk_api_client_system_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
    sa.UniqueConstraint('client_id', name=op.f('uq_api_client_client_id'))
    )
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_client_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_client_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('issued_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', stomi_app.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_api_token_api_client_id_api_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_api_client_id'), ['api_client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_token_expires_at'), ['expires_at'], unique=False)

    op.create_table('api_idempotent_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_client_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', stomi_app.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_api_idempotent_answer_api_client_id_api_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotent_answer')),
    sa.UniqueConstraint('api_client_id', 'key', name=op.f('uq_api_idempotent_answer_api_client_id'))
    )
    with op.batch_alter_table('api_idempotent_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotent_answer_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('api_idempotent_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotent_answer_created_at'))
    op.drop_table('api_idempotent_answer')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_expires_at'))
        batch_op.drop_index(batch_op.f('ix_api_token_api_client_id'))
    op.drop_table('api_token')
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_client_municipality_id'))
    op.drop_table('api_client')
