"""Fee periods (whole months, no overlaps, invoiced months frozen) and shared costs on the month's invoices."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from invoicing.allocation import allocate, parse_split, save_allocation
from invoicing.fees import FeeAmounts, InvoicingError, add_schedule, parse_month, schedule_for_month
from invoicing.models import Invoice
from invoicing.run import run_month
from stomi_app.extensions import db
from stomi_app.models import Region
from tests.fixtures.invoicing import JUNE_2, MAY


def test_periods_are_whole_months_and_never_overlap(world):
    first = add_schedule(valid_from=date(2026, 1, 1))
    with pytest.raises(InvoicingError, match="den 1."):
        add_schedule(valid_from=date(2026, 3, 2))
    with pytest.raises(InvoicingError, match="sidste dag"):
        add_schedule(valid_from=date(2027, 1, 1), valid_to=date(2027, 3, 30))
    second = add_schedule(valid_from=date(2026, 7, 1), amounts=FeeAmounts(delivery_fee_oere=6500))
    assert first.valid_to == date(2026, 6, 30)  # the open-ended period ends where the new one begins
    with pytest.raises(InvoicingError, match="overlapper"):
        add_schedule(valid_from=date(2026, 5, 1), valid_to=date(2026, 8, 31))
    with pytest.raises(InvoicingError, match="negative"):
        add_schedule(valid_from=date(2030, 1, 1), amounts=FeeAmounts(cutting_fee_oere=-1))
    assert schedule_for_month(date(2026, 6, 1)) is first and schedule_for_month(date(2026, 7, 1)) is second
    assert schedule_for_month(date(2025, 12, 1)) is None


def test_an_invoiced_month_keeps_its_fees(month):
    run_month(MAY, today=JUNE_2)
    with pytest.raises(InvoicingError, match="faktureret"):
        add_schedule(valid_from=date(2026, 5, 1))
    add_schedule(valid_from=date(2026, 6, 1), amounts=FeeAmounts(delivery_fee_oere=6500))


def test_split_text():
    assert parse_split("region:35,municipalities:65") == 35
    assert parse_split("region:50, municipalities:50") == 50
    with pytest.raises(InvoicingError):
        parse_split("region:35,municipalities:60")


def test_set_up_cost_by_citizens_in_a_region_then_on_the_invoices(month):
    """1.35 million for Region Syddanmark: 35 % region, the rest by citizens with a grant (only Odense has one)."""
    syd = db.session.scalar(select(Region).where(Region.code == 1083))
    result = allocate(135_000_000, key="citizens", region_pct=35, region=syd, on=date(2026, 5, 31))
    assert result.total == 135_000_000
    assert list(result.region_parts.values()) == [47_250_000]
    odense_part = {m.code: part for m, part in result.municipality_parts.items()}[461]
    assert odense_part == 87_750_000
    save_allocation(result, description="Etablering af servicecentret", month=MAY, region=syd)
    db.session.commit()
    run_month(MAY, today=JUNE_2)
    odense = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Odense Kommune"))
    shared = [l for l in odense.lines if l.kind == "shared_cost"]
    assert [(l.net_oere, l.quantity) for l in shared] == [(87_750_000, 1)]
    assert "Etablering af servicecentret" in shared[0].description
    assert odense.net_oere == 11542 + 87_750_000
    with pytest.raises(InvoicingError, match="allerede faktureret"):
        save_allocation(result, description="Igen", month=MAY, region=syd)


def test_population_key_over_every_municipality(world):
    result = allocate(270_000_000, key="population", region_pct=50, on=date(2026, 5, 1))
    assert result.total == 270_000_000
    assert sum(result.region_parts.values()) == 135_000_000 and len(result.region_parts) == 2
    parts = {m.code: part for m, part in result.municipality_parts.items()}
    assert parts[751] > parts[461] > parts[741] > 0  # Aarhus > Odense > Samsø
    assert parse_month("2026-05") == MAY


def test_amounts_beyond_32_bits_are_kept_to_the_oere(month):
    """København's month passes 21.474.836,47 kr.: amounts are 64-bit (PostgreSQL would refuse this otherwise)."""
    syd = db.session.scalar(select(Region).where(Region.code == 1083))
    yearly_spend = 7_160_000_000  # 71.6 million kr., Syddanmark's yearly spend on stoma products
    result = allocate(yearly_spend, key="citizens", region_pct=0, region=syd, on=date(2026, 5, 31))
    save_allocation(result, description="Årets produktforbrug", month=MAY, region=syd)
    db.session.commit()
    run_month(MAY, today=JUNE_2)
    odense = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Odense Kommune"))
    assert odense.net_oere == 11542 + yearly_spend
    assert odense.vat_oere == (odense.net_oere * 25 + 50) // 100
    assert odense.total_oere == odense.net_oere + odense.vat_oere > 2**31
