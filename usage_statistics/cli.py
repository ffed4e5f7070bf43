"""The `stomi stats-report` command: the monthly statistics report for every municipality, with a progress bar."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("stats-report")
@click.option("--month", required=True, help="The month to report on, YYYY-MM (must be over).")
@click.option("--municipality", "codes", type=int, multiple=True,
              help="Only this municipality (its code, e.g. 751); repeat for more. Default: all active municipalities.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each report's PDF and CSV into this folder.")
@with_appcontext
def stats_report(month: str, codes: tuple[int, ...], out_dir: Path | None) -> None:
    """Make one PDF and one CSV per municipality for MONTH, store them (listed in the municipal portal as received
    reports) and, with --out, write them to a folder. Running a month again replaces its reports."""
    from usage_statistics.period import PeriodError, parse_month
    from usage_statistics.report import ReportError, check_month, chosen_count, run_month

    try:
        month_start = parse_month(month)
        check_month(month_start)
    except (PeriodError, ReportError) as exc:
        raise click.ClickException(str(exc)) from exc
    chosen = list(codes) or None
    count = chosen_count(chosen)
    started = time.perf_counter()
    try:
        with click.progressbar(length=count, label=f"stats-report {month_start:%Y-%m}", show_pos=True) as bar:
            made = run_month(month_start, chosen, out_dir=out_dir, each=lambda _report: bar.update(1))
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(made)} reports for {month_start:%Y-%m} stored in {time.perf_counter() - started:.1f} s"
               + (f", written to {out_dir}" if out_dir else ""))


def register(main) -> None:
    main.add_command(stats_report)
