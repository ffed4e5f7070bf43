"""consent: one record per purpose and period (citizen_consent); the old single consent becomes the courier purpose

Revision ID: c4f19a7e2d35
Revises: b9e4d2a6c813
Create Date: 2026-12-03 07:50:00

"""
from alembic import op
import sqlalchemy as sa

import stomi_app.db


# revision identifiers, used by Alembic.
revision = 'c4f19a7e2d35'
down_revision = 'b9e4d2a6c813'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'citizen_consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.Enum('courier', 'discharge', 'callcenter_notes',
                                     name='consentpurpose', native_enum=False, length=30), nullable=False),
        sa.Column('given_at', stomi_app.db.UTCDateTime(), nullable=False),
        sa.Column('withdrawn_at', stomi_app.db.UTCDateTime(), nullable=True),
        sa.Column('text_version', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_citizen_consent_citizen_id_citizen')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_consent')),
    )
    op.create_index('ix_citizen_consent_citizen_purpose', 'citizen_consent', ['citizen_id', 'purpose'], unique=False)
    # The single consent of before covered one thing, the phone number to the courier: it becomes that purpose's
    # record, given when it was given, closed if it was withdrawn after (a withdrawal before a later giving is
    # history the old columns did not keep).
    op.execute(
        "INSERT INTO citizen_consent (citizen_id, purpose, given_at, withdrawn_at, text_version) "
        "SELECT id, 'courier', consent_given_at, "
        "CASE WHEN consent_withdrawn_at IS NOT NULL AND consent_withdrawn_at >= consent_given_at "
        "THEN consent_withdrawn_at END, COALESCE(consent_text_version, '2026-1') "
        "FROM citizen WHERE consent_given_at IS NOT NULL"
    )


def downgrade():
    op.drop_index('ix_citizen_consent_citizen_purpose', table_name='citizen_consent')
    op.drop_table('citizen_consent')
