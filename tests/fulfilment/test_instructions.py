"""The instruction made when an order is accepted: content, cutting lines, consent minimisation, same transaction."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from fulfilment.dispatch import encode
from fulfilment.instructions import PACKING_NOTE, payload
from fulfilment.models import OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.db import utcnow
from stomi_app.extensions import db
from citizens.clinical import CutShape
from ordering.models import OrderStatus
from ordering.services import cancel, record_measure
from citizens.clinical import CutShape
from ordering.models import OrderStatus
from ordering.services import cancel, record_measure
from tests.fixtures.orders import at, place


def instruction_of(order) -> WarehouseInstruction:
    return db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order.id))


def test_accepted_order_gets_instruction_with_cutting_and_outbox_row(granted, shop):
    granted.phone, granted.email, granted.consent_given_at = "20304050", "birthe@example.dk", utcnow()
    order = place(granted, {shop.plate: 3, shop.bag_a: 2}, at(2026, 3, 6), note="Har fået brok, skal have støttebælte")  # a Friday
    assert order.status is OrderStatus.ACCEPTED
    instruction = instruction_of(order)
    doc = payload(instruction)
    assert doc["order_number"] == order.number
    assert doc["requested_delivery_date"] == "2026-03-10"
    assert doc["express"] is False
    assert doc["packing_note"] == PACKING_NOTE
    assert doc["delivery"] == {"name": "Birthe Nielsen", "address": "Testvej 1", "postcode": "8000", "city": "Aarhus C",
                               "country": "DK", "temporary_address": False}
    assert doc["contact"] == {"phone": "20304050", "email": "birthe@example.dk"}
    # The order's note is for the nurse or grant officer and may hold health details: it never reaches the carrier.
    assert "delivery_note" not in doc and "brok" not in encode(instruction).decode()
    lines = {line["article_number"]: line for line in doc["lines"]}
    assert lines["FC-200"] == {"article_number": "FC-200", "gtin": "5701234000037", "quantity": 3, "pack_size": 10,
                               "unit": "box", "cutting": {"shape": "round", "diameter_mm": 32, "plates": 30}}
    assert lines["NL-100"] == {"article_number": "NL-100", "gtin": "5701234000013", "quantity": 2, "pack_size": 30,
                               "unit": "box"}
    assert "cpr" not in encode(instruction).decode().lower()
    message = instruction.outbox
    assert message.status is OutboxStatus.PENDING and message.attempts == 0 and len(message.idempotency_key) == 32


def test_oval_measure_and_express(granted, shop):
    record_measure(granted, shape=CutShape.OVAL, width_mm=40, height_mm=30)
    db.session.commit()
    order = place(granted, {shop.plate: 2}, at(2026, 4, 1), express=True)
    doc = payload(instruction_of(order))
    assert doc["express"] is True and doc["requested_delivery_date"] == "2026-04-07"
    assert doc["lines"][0]["cutting"] == {"shape": "oval", "width_mm": 40, "height_mm": 30, "plates": 20}
    assert instruction_of(order).lines[0].cut.label == "40 × 30 mm"


def test_withdrawn_consent_sends_only_what_delivery_needs(granted, shop):
    granted.phone, granted.email = "20304050", "birthe@example.dk"
    granted.consent_given_at = utcnow()
    granted.consent_withdrawn_at = utcnow()
    db.session.commit()
    order = place(granted, {shop.plate: 1}, at(2026, 3, 2), note="Ring på hos naboen")
    instruction = instruction_of(order)
    doc = json.loads(encode(instruction))
    assert instruction.minimised is True
    assert instruction.contact_phone is None and instruction.contact_email is None
    assert set(doc) == {"instruction_id", "order_number", "created_at", "requested_delivery_date", "express", "delivery",
                        "packing_note", "lines"}
    assert "20304050" not in json.dumps(doc) and "birthe@example.dk" not in json.dumps(doc)
    assert "naboen" not in json.dumps(doc)
    assert doc["delivery"]["name"] == "Birthe Nielsen" and doc["lines"][0]["cutting"]["plates"] == 10


def test_temporary_address_is_the_delivery_address(granted, shop):
    order = place(granted, {shop.bag_a: 1}, at(2026, 7, 6), temporary={
        "name": "Birthe Nielsen c/o Hansen", "address": "Strandvejen 4", "postcode": "8400", "city": "Ebeltoft",
        "temporary_from": date(2026, 7, 11), "temporary_to": date(2026, 7, 25)})
    doc = payload(instruction_of(order))
    assert doc["delivery"] == {"name": "Birthe Nielsen c/o Hansen", "address": "Strandvejen 4", "postcode": "8400",
                               "city": "Ebeltoft", "country": "DK", "temporary_address": True,
                               "temporary_from": "2026-07-11", "temporary_to": "2026-07-25"}
    assert doc["requested_delivery_date"] == "2026-07-13"


def test_instruction_is_made_in_the_accepting_transaction(granted, shop):
    from ordering.services import new_draft, set_draft_lines, submit

    order = new_draft(granted)
    set_draft_lines(order, {shop.bag_a.id: 1})
    submit(order)
    assert order.status is OrderStatus.ACCEPTED
    db.session.rollback()  # the acceptance fails to commit: no instruction may survive it
    assert db.session.scalar(select(func.count(WarehouseInstruction.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_order_awaiting_approval_gets_no_instruction_until_accepted(granted, shop):
    order = place(granted, {shop.bag_a: 25}, at(2026, 3, 2))  # beyond the grant
    assert order.status is OrderStatus.AWAITING_APPROVAL and instruction_of(order) is None


def test_order_cancelled_before_dispatch_is_not_sent(granted, shop, provider):
    from fulfilment.dispatch import dispatch_pending

    order = place(granted, {shop.bag_a: 1}, at(2026, 3, 2))
    cancel(order, reason="changed my mind")
    db.session.commit()
    assert instruction_of(order).outbox.status is OutboxStatus.CANCELLED  # withdrawn by the cancel itself
    report = dispatch_pending()
    assert (report.sent, report.cancelled) == (0, 0)
    assert instruction_of(order).outbox.status is OutboxStatus.CANCELLED
    assert provider.state.stats()["requests"] == 0


def test_instructions_on_the_wire_follow_the_published_schema(client, granted, shop):
    """Every shape of instruction the platform sends (cut round and oval, express, temporary address, minimised)."""
    import jsonschema_rs

    doc = client.get("/api/v1/openapi.json").json
    # The $refs point into the document's components, so they travel with the schema.
    schema = {**doc["components"]["schemas"]["Instruction"], "components": doc["components"]}
    validator = jsonschema_rs.Draft4Validator(schema, validate_formats=True)
    granted.phone, granted.email, granted.consent_given_at = "20304050", "birthe@example.dk", utcnow()
    db.session.commit()
    orders = [place(granted, {shop.plate: 3, shop.bag_a: 2}, at(2026, 3, 6), note="Stil pakken i carporten")]
    record_measure(granted, shape=CutShape.OVAL, width_mm=40, height_mm=30)
    granted.consent_withdrawn_at = utcnow()
    db.session.commit()
    orders.append(place(granted, {shop.plate: 2}, at(2026, 4, 1), express=True))
    orders.append(place(granted, {shop.bag_a: 1}, at(2026, 7, 6), temporary={
        "name": "Birthe Nielsen c/o Hansen", "address": "Strandvejen 4", "postcode": "8400", "city": "Ebeltoft",
        "temporary_from": date(2026, 7, 11), "temporary_to": date(2026, 7, 25)}))
    assert [o.status for o in orders] == [OrderStatus.ACCEPTED] * 3
    for order in orders:
        sent = json.loads(encode(instruction_of(order)))
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(sent)]
        assert not errors, (order.number, errors)


def test_the_note_to_the_driver_reaches_the_carrier_and_the_nurses_note_does_not(granted, shop):
    from ordering import services as ordering

    granted.consent_given_at = utcnow()
    granted.consent_withdrawn_at = utcnow()  # even without consent: it is what delivery needs, written for the carrier
    db.session.commit()
    draft = ordering.new_draft(granted)
    ordering.set_draft_lines(draft, {shop.bag_a.id: 1})
    ordering.set_delivery(draft, express=False, temporary=False, driver_note="  Stil pakken\tved bagdøren \x00")
    ordering.set_note(draft, "Lækager efter operationen")
    ordering.submit(draft)
    doc = json.loads(encode(instruction_of(draft)))
    assert doc["delivery_note"] == "Stil pakken ved bagdøren"
    assert "Lækager" not in json.dumps(doc)


def test_a_too_long_note_to_the_driver_is_refused_with_the_address_problems_and_saves_nothing(granted, shop):
    import pytest

    from ordering import services as ordering

    draft = ordering.new_draft(granted)
    ordering.set_draft_lines(draft, {shop.bag_a.id: 1})
    db.session.commit()
    with pytest.raises(ordering.OrderError) as exc:
        ordering.set_delivery(draft, express=True, temporary=True, address="", driver_note="x" * 201)
    assert {"driver_note", "address", "postcode"} <= set(exc.value.errors)
    db.session.rollback()
    assert draft.driver_note is None and draft.express is False
    ordering.set_delivery(draft, express=False, temporary=False, driver_note="x" * 200)
    assert draft.driver_note == "x" * 200


def test_the_driver_gets_the_phone_by_the_courier_purpose_alone(granted, shop):
    from citizens import consent
    from citizens.consent_models import ConsentPurpose as P
    granted.phone = "20304050"
    consent.set_consents(granted, {P.DISCHARGE, P.CALLCENTER_NOTES})  # all but the courier
    db.session.commit()
    first = instruction_of(place(granted, {shop.plate: 1}, at(2026, 3, 2)))
    assert first.minimised is True and first.contact_phone is None
    consent.set_consents(granted, {P.COURIER})
    db.session.commit()
    order = place(granted, {shop.plate: 1}, at(2026, 4, 6))  # the next period: within the grant again
    assert order.status is OrderStatus.ACCEPTED, order.status
    second = instruction_of(order)
    assert second.minimised is False and payload(second)["contact"]["phone"] == "20304050"
