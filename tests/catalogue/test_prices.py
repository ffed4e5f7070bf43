"""The price in force on a date, at every boundary, and the refusal of overlapping periods."""
from __future__ import annotations

from datetime import date

import pytest

from catalogue import services
from catalogue.services import NoPriceInForce, OverlappingPrice


def _add(variant, start, end, oere, ref="K"):
    return services.add_contract_price(variant, valid_from=start, valid_to=end, contract_reference=ref, price_oere=oere)


@pytest.fixture
def variant(build):
    return build.variant(price_oere=None)


def test_price_in_force_at_the_boundaries(variant):
    first = _add(variant, date(2026, 1, 1), date(2026, 12, 31), 40000)
    second = _add(variant, date(2027, 1, 1), None, 42000)
    with pytest.raises(NoPriceInForce):
        services.price_in_force(variant, date(2025, 12, 31))  # the day before the first period
    assert services.price_in_force(variant, date(2026, 1, 1)) == first  # first day
    assert services.price_in_force(variant, date(2026, 12, 31)) == first  # last day, inclusive
    assert services.price_in_force(variant, date(2027, 1, 1)) == second  # the day after: the next period
    assert services.price_in_force(variant.id, date(2099, 6, 1)) == second  # open end, by id too


def test_no_price_after_a_closed_period(variant):
    _add(variant, date(2026, 1, 1), date(2026, 6, 30), 40000)
    assert services.price_in_force(variant, date(2026, 6, 30)).price_oere == 40000
    with pytest.raises(NoPriceInForce):
        services.price_in_force(variant, date(2026, 7, 1))


def test_touching_periods_are_allowed(variant):
    _add(variant, date(2026, 1, 1), date(2026, 6, 30), 40000)
    _add(variant, date(2026, 7, 1), date(2026, 12, 31), 41000)
    _add(variant, date(2025, 1, 1), date(2025, 12, 31), 39000)
    assert [p.price_oere for p in sorted(variant.prices, key=lambda p: p.valid_from)] == [39000, 40000, 41000]


@pytest.mark.parametrize("start,end", [
    (date(2026, 6, 30), date(2026, 12, 31)),  # shares the last day
    (date(2025, 1, 1), date(2026, 1, 1)),  # shares the first day
    (date(2026, 3, 1), date(2026, 3, 31)),  # inside
    (date(2025, 1, 1), None),  # open end covering everything after
    (date(2025, 1, 1), date(2027, 1, 1)),  # around
])
def test_overlapping_periods_are_refused(variant, start, end):
    _add(variant, date(2026, 1, 1), date(2026, 6, 30), 40000)
    with pytest.raises(OverlappingPrice):
        _add(variant, start, end, 41000)
    assert len(variant.prices) == 1


def test_an_open_period_blocks_later_prices_unless_closed(variant):
    _add(variant, date(2026, 1, 1), None, 40000)
    with pytest.raises(OverlappingPrice) as info:
        _add(variant, date(2027, 1, 1), None, 42000)
    assert "errors" in dir(info.value) and "valid_from" in info.value.errors
    services.add_contract_price(variant, valid_from=date(2027, 1, 1), valid_to=None, contract_reference="K2",
                                price_oere=42000, close_open_price=True)
    assert services.price_in_force(variant, date(2026, 12, 31)).price_oere == 40000
    assert services.price_in_force(variant, date(2027, 1, 1)).price_oere == 42000


def test_overlap_is_per_variant(build):
    a = build.variant(price_oere=None)
    b = build.variant(price_oere=None)
    _add(a, date(2026, 1, 1), None, 40000)
    _add(b, date(2026, 1, 1), None, 50000)
    assert services.price_in_force(b, date(2026, 5, 1)).price_oere == 50000


@pytest.mark.parametrize("kwargs,field", [
    ({"price_oere": -1}, "price"),
    ({"valid_to": date(2025, 1, 1)}, "valid_to"),
    ({"contract_reference": "  "}, "contract_reference"),
    ({"vat_rate_pct": 101}, "vat_rate_pct"),
])
def test_price_values_are_checked(variant, kwargs, field):
    values = {"valid_from": date(2026, 1, 1), "valid_to": None, "contract_reference": "K", "price_oere": 100}
    values.update(kwargs)
    with pytest.raises(services.CatalogueValidationError) as info:
        services.add_contract_price(variant, **values)
    assert field in info.value.errors


def test_prices_in_force_for_many_variants_in_one_go(build):
    a, b = build.variant(price_oere=30000), build.variant(price_oere=None)
    found = services.prices_in_force([a.id, b.id], date(2026, 3, 1))
    assert set(found) == {a.id}
    assert found[a.id].price_incl_vat_oere == 37500
