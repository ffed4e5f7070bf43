"""What the citizen is told before and after sending (issue 19, items 4-6): the day the order should arrive, why an
order waits when it is only too soon, what happens next when it waits; and how far ahead a temporary address may be."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from stomi_app.extensions import db
from ordering.models import Order
from grants.models import OrderRules
from tests.citizen.test_portal import _login, _order
from tests.fixtures.grants import grant_for, line

# Wednesday 2 December 2026, noon in Copenhagen: two working days on is Friday 4 December.
WEDNESDAY = datetime(2026, 12, 2, 12, tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.fixture
def at_wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


def _send(client, key):
    sent = client.post("/borger/bestil/send", data={"idempotency_key": key})
    assert sent.status_code == 302
    return client.get(sent.headers["Location"]).get_data(as_text=True)


def test_the_expected_day_is_shown_before_and_after_sending(at_wednesday, auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    check, key = _order(client, {shop.bag_a: 1})
    assert "Forventet levering: fredag 4. december 2026" in check.get_data(as_text=True)
    assert "Forventet levering: fredag 4. december 2026" in _send(client, key)


def test_express_to_a_temporary_address_is_planned_for_its_first_day(at_wednesday, auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1), express_per_year=4)
    _login(auth, citizen)
    _order(client, {shop.bag_a: 1})
    data = {"address_choice": "temporary", "speed": "express", "address": "Sommervej 2", "postcode": "8400",
            "city": "Ebeltoft", "temporary_from": "2027-01-11", "temporary_to": "2027-01-20"}
    assert client.post("/borger/bestil/levering", data=data).status_code == 302
    html = client.get("/borger/bestil/tjek").get_data(as_text=True)
    assert "Forventet levering: mandag 11. januar 2027" in html


@pytest.mark.parametrize("start, end, field, message", [
    ("2030-06-01", "2030-06-10", "temporary_from", "højst ligge 6 måneder frem"),
    ("2027-06-03", "2027-06-10", "temporary_from", "højst ligge 6 måneder frem"),  # one day past 6 months
    ("2027-01-11", "2027-07-12", "temporary_to", "højst bruges i 6 måneder"),
])
def test_a_temporary_address_far_ahead_or_for_long_is_refused_at_the_field(at_wednesday, auth, client, officer, citizen,
                                                                         shop, start, end, field, message):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    _order(client, {shop.bag_a: 1})
    data = {"address_choice": "temporary", "speed": "normal", "address": "Sommervej 2", "postcode": "8400",
            "city": "Ebeltoft", "temporary_from": start, "temporary_to": end}
    answer = client.post("/borger/bestil/levering", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and message in html
    assert re.search(rf'id="{field}-error"|{field}.*form-error-message', html, re.S)
    assert not db.session.scalar(select(Order.temporary_address))


def test_the_last_allowed_start_of_a_temporary_address_is_accepted(at_wednesday, auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    _order(client, {shop.bag_a: 1})
    data = {"address_choice": "temporary", "speed": "normal", "address": "Sommervej 2", "postcode": "8400",
            "city": "Ebeltoft", "temporary_from": "2027-06-02", "temporary_to": "2027-12-02"}
    assert client.post("/borger/bestil/levering", data=data).status_code == 302


def test_too_soon_is_not_called_over_the_grant_and_says_from_when(auth, client, officer, citizen, shop):
    db.session.add(OrderRules(municipality_id=citizen.municipality_id, intro_months=0, intro_max_months_per_order=12,
                              max_months_per_order=12, min_days_between_orders=14))
    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("Europe/Copenhagen")), tick=False):
        _login(auth, citizen)
        _, key = _order(client, {shop.bag_a: 1})
        _send(client, key)
    with time_machine.travel(WEDNESDAY, tick=False):
        _login(auth, citizen)  # a day later: yesterday's session has ended
        check, key = _order(client, {shop.bag_a: 1})
        html = check.get_data(as_text=True)
        assert "uden for din bevilling" not in html
        assert "Fra tirsdag 15. december 2026 kan du bestille den uden godkendelse" in html
        detail = _send(client, key)
    assert "venter på godkendelse" in detail and "En stomisygeplejerske ser på den" in detail
    assert "Tak – din bestilling er sendt" not in detail


def test_cancelling_asks_to_confirm_first(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    _, key = _order(client, {shop.bag_a: 1})
    detail = _send(client, key)
    order = db.session.scalar(select(Order))
    url = f"/borger/ordrer/{order.id}/annuller"
    assert f'href="{url}"' in detail  # a link to the question, not a button that cancels
    question = client.get(url)
    html = question.get_data(as_text=True)
    assert question.status_code == 200 and f"Annullér bestilling {order.number}?" in html and "Nej, behold bestillingen" in html
    db.session.expire_all()
    assert db.session.get(Order, order.id).status.value == "accepted"  # asking changed nothing
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status.value == "cancelled"
    assert client.get(url).headers["Location"].endswith(f"/borger/ordrer/{order.id}")  # nothing left to confirm


@pytest.mark.parametrize("cpr_number, number", [("150348-1234", "70 11 31 31"),  # Aarhus: Region Midtjylland
                                                ("020756-2345", "70 11 07 07")])  # Odense: Region Syddanmark
def test_the_advice_page_gives_the_citizens_own_regions_helpline_and_112(auth, client, world, cpr_number, number):
    assert auth.citizen(cpr_number).status_code == 302
    urgent = re.search(r'data-testid="urgent-help".*?</div>', client.get("/borger/raadgivning").get_data(as_text=True), re.S)
    assert number in urgent.group(0) and "ring 112" in urgent.group(0) and "1813" not in urgent.group(0)


@pytest.mark.parametrize("carrier, reference, link", [
    ("PostNord", "00370712345678", "https://tracking.postnord.com/dk/?id=00370712345678"),
    ("PostNord", "A&B <1>", "https://tracking.postnord.com/dk/?id=A%26B%20%3C1%3E"),  # the number is encoded, never markup
    ("Ukendt Fragt", "123", None),  # no page configured for this carrier: the number only
])
def test_the_tracking_number_links_to_the_carriers_page(auth, client, officer, citizen, shop, carrier, reference, link):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    _, key = _order(client, {shop.bag_a: 1})
    _send(client, key)
    order = db.session.scalar(select(Order))
    order.carrier, order.tracking_reference = carrier, reference
    db.session.commit()
    html = client.get(f"/borger/ordrer/{order.id}").get_data(as_text=True)
    if link:
        assert f'href="{link}"' in html and f"Følg pakken hos {carrier}" in html
    else:
        assert 'data-testid="tracking-link"' not in html and ">123<" in html


def test_a_product_change_understands_case_refuses_what_she_has_and_names_an_unknown_number(auth, client, officer,
                                                                                              citizen, shop):
    """Issue 19, item 9: 'nl-101' is NL-101; asking for a product already granted is refused; an unknown number is
    told as unknown, not as an empty field."""
    from care.models import ProductChangeRequest

    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    reason = "Posen lækker om natten"
    same = client.post("/borger/produktskift", data={"wanted": "nl-100", "reason": reason, "current": ""})
    assert same.status_code == 422 and "Det er det produkt, du har nu" in same.get_data(as_text=True)
    unknown = client.post("/borger/produktskift", data={"wanted": "XX-999", "reason": reason, "current": ""})
    assert unknown.status_code == 422 and "Intet produkt har varenummeret XX-999" in unknown.get_data(as_text=True)
    assert not db.session.scalar(select(ProductChangeRequest))
    other = client.post("/borger/produktskift", data={"wanted": "nl-101", "reason": reason, "current": ""})
    assert other.status_code == 302
    assert db.session.scalar(select(ProductChangeRequest)).wanted_variant_id == shop.bag_b.id


# --- "why do you need more" (issue 19, also expected) -----------------------------------------------------------

def test_an_order_beyond_the_grant_takes_the_citizens_reason_for_the_nurse_not_the_warehouse(auth, client, officer, citizen, shop):
    import re as _re

    from ordering.models import Order as _Order
    from fulfilment.models import WarehouseInstruction

    grant_for(officer, citizen, line(1, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    assert auth.citizen("150348-1234").status_code == 302
    client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "3"})
    client.post("/borger/bestil/levering", data={"address_choice": "home", "speed": "normal"})
    check = client.get("/borger/bestil/tjek").get_data(as_text=True)
    assert 'id="note"' in check and "Hvorfor har du brug for mere denne gang?" in check
    key = _re.search(r'name="idempotency_key" value="([^"]+)"', check).group(1)
    too_long = client.post("/borger/bestil/send", data={"idempotency_key": key, "note": "x" * 2001})
    assert too_long.status_code == 422 and 'href="#note"' in too_long.get_data(as_text=True)
    order = db.session.scalar(select(_Order))
    assert order.status.value == "draft"  # nothing sent half-way
    sent = client.post("/borger/bestil/send", data={"idempotency_key": key, "note": "  Lækager efter skift af pose \x00 "})
    assert sent.status_code == 302
    db.session.expire_all()
    order = db.session.scalar(select(_Order))
    assert order.status.value == "awaiting_approval" and order.note == "Lækager efter skift af pose"
    assert db.session.scalar(select(WarehouseInstruction)) is None


def test_within_the_grant_there_is_no_box(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    assert auth.citizen("150348-1234").status_code == 302
    client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "1"})
    client.post("/borger/bestil/levering", data={"address_choice": "home", "speed": "normal"})
    assert 'id="note"' not in client.get("/borger/bestil/tjek").get_data(as_text=True)
