"""Demo data for invoicing: the default fee period from the contract start and the last complete month invoiced."""
from __future__ import annotations

import time
from datetime import date

from invoicing.fees import add_schedule, schedule_for_month
from invoicing.run import run_month
from stomi_app.timeutil import add_months

CONTRACT_START = date(2026, 1, 1)  # the shared contract's start, as in the catalogue's demo prices


def generate_invoicing(ctx) -> None:
    from stomi_app.extensions import db

    # The run commits (and on a failure rolls back) per municipality: the demo data made so far must be committed
    # first, or a failing invoice would take an hour of national demo data with it.
    db.session.commit()
    started = time.perf_counter()
    if schedule_for_month(CONTRACT_START) is None:
        add_schedule(valid_from=CONTRACT_START, note="Standardgebyrer (demo)")
    last_month = add_months(ctx.today.replace(day=1), -1)
    if last_month < CONTRACT_START:
        ctx.echo("invoicing: no complete month since the contract start")
        return
    result = run_month(last_month, today=ctx.today)  # commits per municipality, like the real run
    ctx.echo(f"invoicing: {len(result.issued)} invoices for {last_month:%Y-%m} in {time.perf_counter() - started:.1f} s")
