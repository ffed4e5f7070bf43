"""order event reasons: the routing reasons of a move to approval as rows of their own, not comma-joined text

Revision ID: 5e0a7c3d9b21
Revises: b7ce6e8c4f83
Create Date: 2026-12-04 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e0a7c3d9b21'
down_revision = 'b7ce6e8c4f83'
branch_labels = None
depends_on = None

# RoutingReason's values at this revision (a migration does not import the code it outlives).
REASONS = ('within_grant', 'not_granted', 'grant_expired', 'over_grant', 'over_price_ceiling', 'over_order_limit',
           'express_beyond_grant', 'too_soon')


def upgrade():
    op.create_table(
        'order_event_reason',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Enum(*REASONS, name='routingreason', native_enum=False, length=30), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['order_event.id'], name=op.f('fk_order_event_reason_event_id_order_event'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'reason', name=op.f('pk_order_event_reason')),
    )
    # Each move to approval's "not_granted,too_soon" becomes one row per reason and the text goes; a text that is not
    # only known reasons (none was ever written, but a hand-made row could be) stays as it is.
    bind = op.get_bind()
    events = bind.execute(sa.text(
        "SELECT id, reason FROM order_event WHERE to_status = 'awaiting_approval' AND reason IS NOT NULL")).all()
    rows, emptied = [], []
    for event_id, text in events:
        reasons = {part.strip() for part in text.split(',')} - {''}
        if reasons and reasons <= set(REASONS):
            rows += [{'event_id': event_id, 'reason': reason} for reason in sorted(reasons)]
            emptied.append({'id': event_id})
    if rows:
        bind.execute(sa.text("INSERT INTO order_event_reason (event_id, reason) VALUES (:event_id, :reason)"), rows)
        bind.execute(sa.text("UPDATE order_event SET reason = NULL WHERE id = :id"), emptied)


def downgrade():
    bind = op.get_bind()
    joined: dict[int, list[str]] = {}
    for event_id, reason in bind.execute(sa.text(
            "SELECT event_id, reason FROM order_event_reason ORDER BY event_id, reason")).all():
        joined.setdefault(event_id, []).append(reason)
    if joined:
        bind.execute(sa.text("UPDATE order_event SET reason = :reason WHERE id = :id AND reason IS NULL"),
                     [{'id': event_id, 'reason': ','.join(reasons)} for event_id, reasons in joined.items()])
    op.drop_table('order_event_reason')
