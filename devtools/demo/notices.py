"""Demo notices: the fixed demo citizens get tonight's reminders now, so the demo's inbox shows one at once."""
from __future__ import annotations

from notices.reminders import remind
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen


def generate_notices(ctx) -> None:
    """The supply reminder for each fixed demo citizen whose supplies run out soon (Birthe Nielsen's, by the demo's
    order rhythm); the other citizens get theirs from the nightly run (`stomi notices remind`)."""
    count = 0
    for citizen_id in ctx.citizen_ids[:3]:
        if remind(db.session.get(Citizen, citizen_id), ctx.today) is not None:
            count += 1
    db.session.flush()
    ctx.echo(f"{count} supply reminders for the fixed demo citizens")
