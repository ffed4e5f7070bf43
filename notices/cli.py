"""The notices commands: `stomi notices send [--loop]` and `stomi notices remind [--date]`."""
from __future__ import annotations

import logging
from datetime import date
from functools import partial

import click

from notices.reminders import REMINDER_DAYS_RANGE
from flask.cli import with_appcontext
from stomi_app.outbox_loop import run_command


@click.group("notices", help="Notices to citizens: send the outbox, find who needs a reminder.")
def notices_cli() -> None:
    pass


@notices_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until stopped (SIGTERM/Ctrl-C finish the current message).")
@click.option("--interval", type=float, default=5.0, show_default=True, help="Seconds to wait when nothing was due.")
@with_appcontext
def send(loop: bool, interval: float) -> None:
    """Send the notices that are due on their channels (e-mail, SMS, Digital Post)."""
    from notices.sending import run_loop, send_due

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_command(send_due, partial(run_loop, interval=interval), loop=loop,
                banner=f"sending notices every {interval:g} s; Ctrl-C stops")


@notices_cli.command("remind")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to run for (default: today in Copenhagen).")
@with_appcontext
def remind(day) -> None:
    """The nightly run: supply reminders, grants ending within 30 days, re-measures due. Safe to run twice."""
    from notices.reminders import run_nightly

    on = date(day.year, day.month, day.day) if day else None
    click.echo(str(run_nightly(on)))


@notices_cli.command("reminder-days")
@click.option("--municipality", "code", type=int, required=True, help="The municipality's code, e.g. 751.")
@click.option("--days", type=click.IntRange(*REMINDER_DAYS_RANGE), required=True,
              help="Days before the supplies run out (1–60).")
@with_appcontext
def reminder_days(code: int, days: int) -> None:
    """Set how many days before a citizen's supplies run out the reminder is sent, for one municipality."""
    from sqlalchemy import select

    from stomi_app.extensions import db
    from stomi_app.models import Municipality

    municipality = db.session.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None:
        raise click.ClickException(f"no municipality has the code {code}")
    municipality.reminder_days_before = days
    db.session.commit()
    click.echo(f"{municipality.name}: reminders {days} days before the supplies run out")
