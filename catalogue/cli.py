"""`stomi catalogue …` commands: create the standard categories, import a price list, export the catalogue."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from catalogue.blueprint import bp
from catalogue import importer
from catalogue.reference import ensure_stoma_categories
from stomi_app.extensions import db


@bp.cli.command("seed-categories")
def seed_categories() -> None:
    """Create the stoma product area and its standard categories (safe to run again)."""
    categories = ensure_stoma_categories()
    db.session.commit()
    click.echo(f"{len(categories)} categories")


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--close-open-prices", is_flag=True, help="End open-ended prices the day before the new period starts.")
def import_command(path: Path, close_open_prices: bool) -> None:
    """Import a supplier price list (CSV): every row is checked first, then all rows or none are imported."""
    try:
        report = importer.import_price_list(path.read_bytes(), close_open_prices=close_open_prices)
    except importer.ImportRefused as exc:
        raise click.ClickException(exc.message) from exc
    if not report.ok:
        db.session.rollback()
        for error in report.errors[:50]:
            click.echo(f"line {error.line}, {error.column or '-'}: {error.message}", err=True)
        raise click.ClickException(f"{len(report.errors)} errors (at most 50 shown); nothing was imported")
    db.session.commit()
    click.echo(f"{report.rows} rows: {report.products_created} new products, {report.variants_created} new variants, "
               f"{report.prices_added} prices added, {report.prices_unchanged} unchanged, {report.prices_closed} open prices ended")


@bp.cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_command(path: Path) -> None:
    """Write the catalogue with today's prices as semicolon-separated UTF-8 CSV."""
    path.write_text("\ufeff" + importer.export_catalogue(date.today()), encoding="utf-8", newline="")
    click.echo(f"written {path}")
