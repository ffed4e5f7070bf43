"""The outbox worker's shared mechanics: lease due rows, back off on failure, run rounds until stopped.

An outbox (the warehouse instructions in fulfilment, the notices' deliveries) is a table of rows to send, each with
`status`, `next_attempt_at`, `attempts` and `claim_token`. Its package keeps its own row model and send function;
this module holds what they share, so the lease, the backoff and the loop behave the same in both.
"""
from __future__ import annotations

import logging
import random
import secrets
import signal
import time
from datetime import datetime, timedelta
from typing import Callable, Protocol, Sequence

import click
from sqlalchemy import select, update

from stomi_app.extensions import db
from stomi_app.logs import bind_request_id

class RoundReport(Protocol):
    """What a round tells the loop: how many rows it sent, and whether anything happened worth a line."""

    sent: int

    def did_anything(self) -> bool: ...


def backoff_seconds(attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Exponential, capped, with a little jitter so many rows failing together do not retry together."""
    base = base_seconds * 2 ** max(attempts - 1, 0)
    return min(base, max_seconds) * (1 + random.uniform(0, 0.1))


def claim_due(model, pending, *, due_by: datetime, now: datetime, batch: int, lease_seconds: float,
              options: Sequence = ()) -> list:
    """Take up to `batch` pending rows due by `due_by` for a lease until `now + lease_seconds` (committed), oldest
    first; the conditional UPDATE gives each row to one worker, and a worker that dies leaves it to the next after
    the lease. `options` are loader options for the rows returned."""
    due = (select(model.id).where(model.status == pending, model.next_attempt_at <= due_by)
           .order_by(model.next_attempt_at, model.id).limit(batch))
    ids = list(db.session.scalars(due))
    if not ids:
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        update(model)
        .where(model.id.in_(ids), model.status == pending, model.next_attempt_at <= due_by)
        .values(claim_token=token, next_attempt_at=now + timedelta(seconds=lease_seconds), attempts=model.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(
        select(model).where(model.claim_token == token).order_by(model.id).options(*options)))


def run_loop(send_round: Callable[[], RoundReport], nothing: Callable[[], RoundReport], *, interval: float,
             logger: logging.Logger, iterations: int | None = None, should_stop: Callable[[], bool] = lambda: False,
             echo: Callable[[str], None] | None = None) -> None:
    """Run `send_round()` until stopped (or `iterations` times), pausing `interval` seconds after a round that sent
    nothing. A round that raises is logged on the outbox's `logger` and counts as `nothing()`: a database hiccup must
    not end the loop, and the rows stay pending."""
    count = 0
    while not should_stop() and (iterations is None or count < iterations):
        count += 1
        with bind_request_id():  # one id per round: its lines belong together (a row's own id wins inside)
            try:
                report = send_round()
            except Exception:
                db.session.rollback()
                logger.exception("outbox round failed")
                report = nothing()
        if echo and report.did_anything():
            echo(str(report))
        db.session.remove()
        if not report.sent:
            _sleep(interval, should_stop)


def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not should_stop():
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))


def run_command(once: Callable[[], RoundReport], forever: Callable[..., None], *, loop: bool, banner: str) -> None:
    """An outbox command's body: one pass (`once`) and its report, or with `loop`, `forever(should_stop=, echo=)`
    until SIGTERM or Ctrl-C, which let the row being sent finish first."""
    if not loop:
        click.echo(str(once()))
        return
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(banner)
    forever(should_stop=lambda: bool(stopping), echo=click.echo)
