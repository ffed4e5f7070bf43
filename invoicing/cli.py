"""The invoicing commands of `stomi`: invoice-run, invoice-credit, allocate and fee-schedule."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from invoicing.fees import InvoicingError, parse_month
from stomi_app.money import FILE_LOCALE, AmountError, document_kr, parse_basis_points, parse_oere


def _amount(text: str, option: str, parse=parse_oere, **bounds) -> int:
    """Kroner (or a percentage with two decimals) as given on the command line, in Danish notation: 1.350.000,00."""
    try:
        return parse(text, locale=FILE_LOCALE, **bounds)
    except AmountError as exc:
        raise InvoicingError(f"--{option}: {exc.message}", option) from None


def _fail(exc: InvoicingError):
    raise click.ClickException(str(exc)) from exc


@click.command("invoice-run")
@click.option("--month", required=True, help="The month to invoice, YYYY-MM (must be over).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each invoice's PDF, XML and CSV into this folder.")
@with_appcontext
def invoice_run(month: str, out_dir: Path | None) -> None:
    """Issue one invoice per municipality for everything delivered in MONTH; running it again changes nothing."""
    from sqlalchemy import select

    from invoicing.models import Invoice
    from invoicing.run import run_month, write_documents
    from stomi_app.extensions import db

    try:
        month_start = parse_month(month)
    except InvoicingError as exc:
        _fail(exc)
    started = time.perf_counter()
    with click.progressbar(length=1, label=f"Invoicing {month_start:%Y-%m}", show_pos=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            result = run_month(month_start, progress=progress)
        except InvoicingError as exc:
            _fail(exc)
    elapsed = time.perf_counter() - started
    click.echo(f"{'code':>4}  {'municipality':<22} {'status':<8} {'number':>7} {'lines':>5} "
               f"{'excl. VAT':>18} {'VAT':>16} {'total':>18}")
    for r in result.results:
        click.echo(f"{r.code:>4}  {r.name[:22]:<22} {r.status:<8} {r.number or '':>7} {r.lines:>5} "
                   f"{document_kr(r.net_oere):>18} {document_kr(r.vat_oere):>16} {document_kr(r.total_oere):>18}")
        if r.message:
            click.echo(f"      {r.message}")
    total = sum(r.total_oere for r in result.results if r.status != "error")
    click.echo(f"{len(result.issued)} issued, {sum(1 for r in result.results if r.status == 'already')} already "
               f"invoiced, {len(result.errors)} stopped; total incl. VAT {document_kr(total)}; {elapsed:.1f} s")
    if out_dir is not None:
        numbers = [r.number for r in result.results if r.number]
        for invoice in db.session.scalars(select(Invoice).where(Invoice.number.in_(numbers))):
            write_documents(invoice, out_dir)
        click.echo(f"Documents written to {out_dir}")
    if result.errors:
        raise SystemExit(1)


@click.command("invoice-credit")
@click.argument("number", type=int)
@click.option("--reason", required=True, help="Why the invoice is credited (printed on the credit note).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def invoice_credit(number: int, reason: str, out_dir: Path | None) -> None:
    """Credit invoice NUMBER in full; then run the month again to issue the corrected invoice."""
    from invoicing.run import credit_invoice, write_documents
    from stomi_app.extensions import db

    try:
        note = credit_invoice(number, reason=reason)
    except InvoicingError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"Credit note {note.number} for invoice {number} ({note.buyer_name}, {note.month_label}): "
               f"{document_kr(note.total_oere)}. Run `stomi invoice-run --month {note.month_label}` for the corrected invoice.")
    if out_dir is not None:
        write_documents(note, out_dir)


@click.command("allocate")
@click.option("--amount", required=True, help="The shared cost in kroner, in Danish notation, e.g. 1.350.000,00.")
@click.option("--key", type=click.Choice(["citizens", "population"]), required=True)
@click.option("--split", default="region:35,municipalities:65", show_default=True)
@click.option("--region", "region_code", type=int, help="Only this region's municipalities (region code, e.g. 1082).")
@click.option("--month", help="Put the municipalities' shares on this month's invoices (YYYY-MM).")
@click.option("--description", default="", help="Printed on the invoices (needed with --month).")
@with_appcontext
def allocate_command(amount, key, split, region_code, month, description) -> None:
    """Split a shared cost to the øre (largest remainder) and show the parts; with --month, invoice them."""
    from sqlalchemy import select

    from invoicing.allocation import MAX_SHARED_COST_OERE, allocate, key_day, parse_split, save_allocation
    from stomi_app.extensions import db
    from stomi_app.models import Region
    from stomi_app.timeutil import local_today

    try:
        amount_oere, region_pct = _amount(amount, "amount", maximum=MAX_SHARED_COST_OERE), parse_split(split)
        month_start = parse_month(month) if month else None
        region = None
        if region_code is not None:
            region = db.session.scalar(select(Region).where(Region.code == region_code))
            if region is None:
                raise InvoicingError(f"no region with code {region_code}")
        result = allocate(amount_oere, key=key, region_pct=region_pct, region=region,
                          on=key_day(month_start, local_today()))
        for r, part in result.region_parts.items():
            click.echo(f"{'region':<10} {r.name:<28} {'':>10} {document_kr(part):>20}")
        for m, part in result.municipality_parts.items():
            click.echo(f"{m.code:<10} {m.name:<28} {result.weights[m]:>10} {document_kr(part):>20}")
        click.echo(f"{'total':<10} {'':<28} {sum(result.weights.values()):>10} {document_kr(result.total):>20}")
        if month_start is not None:
            save_allocation(result, description=description, month=month_start, region=region)
            db.session.commit()
            click.echo(f"Saved: the municipalities' shares go on the invoices for {month_start:%Y-%m}.")
    except InvoicingError as exc:
        db.session.rollback()
        _fail(exc)


@click.group("fee-schedule")
def fee_schedule() -> None:
    """The FSC's fee periods."""


@fee_schedule.command("list")
@with_appcontext
def fee_schedule_list() -> None:
    from invoicing.fees import schedules
    from invoicing.charges import percent_label

    for s in schedules():
        until = s.valid_to.isoformat() if s.valid_to else "…"
        click.echo(f"{s.valid_from} – {until}: cutting {document_kr(s.cutting_fee_oere)}/plate, delivery "
                   f"{document_kr(s.delivery_fee_oere)} (express {document_kr(s.express_delivery_fee_oere)}), warehouse "
                   f"{document_kr(s.warehouse_fee_oere)}/line, admin {percent_label(s.admin_fee_basis_points)}, citizen "
                   f"{document_kr(s.citizen_fee_yearly_oere)}/year, VAT {s.vat_rate_pct} %")


def _fee_options(command):
    """The fee amounts a period is given with, the same options for `add` and `edit`."""
    for option in reversed([
        click.option("--cutting", help="Kroner per cut plate, e.g. 2,50."),
        click.option("--delivery", help="Kroner per normal shipment."),
        click.option("--express", help="Kroner per express shipment."),
        click.option("--warehouse", help="Kroner per picked line."),
        click.option("--admin-pct", help="Administration fee in %, e.g. 5 or 5,25."),
        click.option("--citizen-yearly", help="Kroner per citizen with a grant per year."),
    ]):
        command = option(command)
    return command


@fee_schedule.command("add")
@click.option("--from", "valid_from", required=True, help="First month, YYYY-MM.")
@click.option("--to", "valid_to", help="Last month, YYYY-MM (default: until further notice).")
@_fee_options
@with_appcontext
def fee_schedule_add(valid_from, valid_to, cutting, delivery, express, warehouse, admin_pct, citizen_yearly):
    """Add a fee period; amounts not given take the documented defaults (see invoicing.fees)."""
    from invoicing.fees import DEFAULT_FEES, add_schedule, month_end
    from stomi_app.extensions import db

    try:
        amounts = _given_amounts(DEFAULT_FEES, cutting, delivery, express, warehouse, admin_pct, citizen_yearly)
        start = parse_month(valid_from)
        end = month_end(parse_month(valid_to)) if valid_to else None
        schedule = add_schedule(valid_from=start, valid_to=end, amounts=amounts)
    except InvoicingError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"Fee period from {schedule.valid_from} added")


def _given_amounts(base, cutting, delivery, express, warehouse, admin_pct, citizen_yearly):
    """`base`'s amounts with those given on the command line, each read within its fee's bound."""
    from dataclasses import replace

    from invoicing.fees import FEE_MAXIMUM_OERE, FeeAmounts

    amounts = FeeAmounts(**{name: getattr(base, name) for name in vars(FeeAmounts())})
    given = {"cutting_fee_oere": (cutting, "cutting"), "delivery_fee_oere": (delivery, "delivery"),
             "express_delivery_fee_oere": (express, "express"), "warehouse_fee_oere": (warehouse, "warehouse"),
             "citizen_fee_yearly_oere": (citizen_yearly, "citizen-yearly")}
    amounts = replace(amounts, **{k: _amount(v, option, maximum=FEE_MAXIMUM_OERE[k])
                                  for k, (v, option) in given.items() if v is not None})
    if admin_pct is not None:  # a percentage with two decimals, in basis points: 5,25 → 525
        amounts = replace(amounts, admin_fee_basis_points=_amount(admin_pct, "admin-pct", parse_basis_points))
    return amounts


def _schedule_from(month: str):
    from invoicing.fees import schedule_by_start

    schedule = schedule_by_start(parse_month(month))
    if schedule is None:
        raise InvoicingError(f"No fee period starts in {month} (see: stomi fee-schedule list)")
    return schedule


@fee_schedule.command("edit")
@click.argument("first_month")
@click.option("--from", "valid_from", help="New first month, YYYY-MM.")
@click.option("--to", "valid_to", help="New last month, YYYY-MM; 'open' for until further notice.")
@_fee_options
@with_appcontext
def fee_schedule_edit(first_month, valid_from, valid_to, cutting, delivery, express, warehouse, admin_pct,
                      citizen_yearly):
    """Change the fee period that starts in FIRST_MONTH (YYYY-MM), until an invoice has used it; what is not given
    stays as it is."""
    from invoicing.fees import change_schedule, month_end
    from stomi_app.extensions import db

    try:
        schedule = _schedule_from(first_month)
        amounts = _given_amounts(schedule, cutting, delivery, express, warehouse, admin_pct, citizen_yearly)
        start = parse_month(valid_from) if valid_from else schedule.valid_from
        if valid_to is None:
            end = schedule.valid_to
        else:
            end = None if valid_to == "open" else month_end(parse_month(valid_to))
        change_schedule(schedule, valid_from=start, valid_to=end, amounts=amounts, note=schedule.note)
    except InvoicingError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"Fee period from {schedule.valid_from} changed")


@fee_schedule.command("delete")
@click.argument("first_month")
@with_appcontext
def fee_schedule_delete(first_month):
    """Delete the fee period that starts in FIRST_MONTH (YYYY-MM), until an invoice has used it."""
    from invoicing.fees import delete_schedule
    from stomi_app.extensions import db

    try:
        delete_schedule(_schedule_from(first_month))
    except InvoicingError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"Fee period from {first_month} deleted")


def register(group) -> None:
    for command in (invoice_run, invoice_credit, allocate_command, fee_schedule):
        group.add_command(command)

