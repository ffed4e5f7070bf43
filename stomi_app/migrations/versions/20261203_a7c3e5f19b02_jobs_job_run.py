"""jobs: runs of long jobs started from a page (progress, result, the one-run-per-month guard)

Revision ID: a7c3e5f19b02
Revises: e3f1a9c4b7d2
Create Date: 2026-12-03 06:20:00

"""
from alembic import op
import sqlalchemy as sa

from stomi_app.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a7c3e5f19b02'
down_revision = 'e3f1a9c4b7d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('active_key', sa.String(length=81), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'finished', 'failed', name='jobrunstatus', native_enum=False, length=10), nullable=False),
    sa.Column('job_function', sa.String(length=200), nullable=False),
    sa.Column('rq_job_id', sa.String(length=64), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=True),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_job_run_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run')),
    sa.UniqueConstraint('active_key', name=op.f('uq_job_run_active_key'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_created_by_id'), ['created_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_created_by_id'))
    op.drop_table('job_run')
