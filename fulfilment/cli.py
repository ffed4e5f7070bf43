"""The fulfilment commands: `stomi fulfilment dispatch|picklist` and `stomi logistics-simulator`."""
from __future__ import annotations

import signal
from datetime import date
from functools import partial
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from stomi_app.outbox_loop import run_command


@click.group("fulfilment", help="Warehouse instructions: dispatch to the provider, pick lists.")
def fulfilment_cli() -> None:
    pass


@fulfilment_cli.command("dispatch")
@click.option("--loop", is_flag=True, help="Keep dispatching until stopped (SIGTERM/Ctrl-C finish the current row).")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds to wait when nothing was due.")
@with_appcontext
def dispatch(loop: bool, interval: float) -> None:
    """Send pending instructions to the provider at LOGISTICS_URL."""
    from fulfilment.dispatch import dispatch_pending, run_loop

    run_command(dispatch_pending, partial(run_loop, interval=interval), loop=loop,
                banner=f"dispatching to {current_app.config['LOGISTICS_URL']} every {interval:g} s; Ctrl-C stops")


@fulfilment_cli.command("picklist")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="YYYY-MM-DD")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the PDF (default: picklist-DATE.pdf).")
@with_appcontext
def picklist(day, out: Path | None) -> None:
    """The pick list and cutting list of the instructions made on DATE, as a PDF."""
    from fulfilment.picklist import picklist_for, render_pdf

    day = date(day.year, day.month, day.day)
    out = out or Path(f"picklist-{day.isoformat()}.pdf")
    data = picklist_for(day)
    out.write_bytes(render_pdf(data))
    click.echo(f"{out}: {len(data.instructions)} instructions, {data.total_packs} packs, {data.total_plates} plates to cut")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@click.command("logistics-simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5050, show_default=True)
@click.option("--events-url", help="Where to post events (default: FULFILMENT_EVENTS_URL).")
@click.option("--no-events", is_flag=True, help="Only take instructions; post nothing back.")
@click.option("--step-delay", type=float, default=3.0, show_default=True, help="Seconds between an order's events.")
@click.option("--mode", type=click.Choice(["ok", "down", "error", "slow"]), default="ok", show_default=True)
@click.option("--fail-count", type=int, help="With a failing mode: fail only this many requests, then be ok.")
@click.option("--slow-seconds", type=float, default=5.0, show_default=True)
@with_appcontext
def logistics_simulator(host, port, events_url, no_events, step_delay, mode, fail_count, slow_seconds) -> None:
    """A stand-in logistics provider for the demo and tests (see fulfilment/simulator.py)."""
    from fulfilment.simulator import LogisticsSimulator

    config = current_app.config
    events_url = None if no_events else (events_url or config["FULFILMENT_EVENTS_URL"])
    simulator = LogisticsSimulator(host, port, secret=config["LOGISTICS_SECRET"], events_url=events_url,
                                   step_delay=step_delay, mode=mode, fail_count=fail_count, slow_seconds=slow_seconds)
    click.echo(f"logistics simulator on {simulator.url}; events to {events_url or 'nowhere'}")
    signal.signal(signal.SIGTERM, _interrupt)  # the demo's trap sends SIGTERM; stop like Ctrl-C
    try:
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
