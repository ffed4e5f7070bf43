"""The municipal API's reads: consumption this period, order status changes by cursor, orders awaiting a decision,
invoices and their documents; each only the client's own municipality."""
from __future__ import annotations

from sqlalchemy import select

from invoicing.models import Invoice
from invoicing.run import run_month
from stomi_app.extensions import db
from stomi_app.models import AuditEvent
from ordering.models import OrderStatus
from ordering.services import new_draft, set_draft_lines, set_status, submit
from tests.municipal_api.conftest import Caller, get_token
from stomi_app.models import AuditEvent
from ordering.models import OrderStatus
from ordering.services import new_draft, set_draft_lines, set_status, submit
from tests.fixtures.invoicing import JUNE_2, MAY
from tests.fixtures.api import Caller, get_token
from tests.municipal_api.test_grants_api import ODENSE_CPR, body, is_problem
from tests.fixtures.grants import grant_for, line


def order(citizen, variant, quantity):
    draft = new_draft(citizen)
    set_draft_lines(draft, {variant.id: quantity})
    submit(draft)
    db.session.commit()
    return draft


def test_consumption_after_creating_a_grant_and_ordering(api, shop, citizen):
    grant = api.post("/api/v1/grants", body()).json
    order(citizen, shop.bag_a, 2)
    response = api.post("/api/v1/consumption", {"cpr": "1503481234"})
    assert response.status_code == 200 and "1503481234" not in response.get_data(as_text=True)
    lines = {l["article_number"] or l["category_code"]: l for l in response.json["lines"]}
    bag = lines["NL-100"]
    assert (bag["grant_id"], bag["granted_quantity"], bag["used_quantity"], bag["remaining_quantity"]) == (grant["id"], 3, 2, 1)
    assert bag["used_oere"] == 2 * 45000 and bag["price_ceiling_oere"] is None and bag["remaining_oere"] is None
    plates = lines["baseplate"]
    assert (plates["used_quantity"], plates["remaining_oere"], plates["period"]) == (0, 500000, "quarter")
    assert plates["period_first"] <= response.json["on"] <= plates["period_last"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "Consumption read (municipal system)")
                             ).citizen_id == citizen.id


def test_consumption_of_another_municipalitys_citizen_is_404(api, shop, world):
    assert is_problem(api.post("/api/v1/consumption", {"cpr": ODENSE_CPR}), 404, "citizen_not_found")
    assert is_problem(api.post("/api/v1/consumption", {"cpr": "nope"}), 422, "invalid_body")
    assert is_problem(api.post("/api/v1/consumption", {"cpr": 1503481234}), 422, "invalid_body")
    assert is_problem(api.post("/api/v1/consumption", {}), 422, "invalid_body")


def test_order_changes_by_cursor_in_a_stable_order(api, shop, citizen, officer, world):
    grant_for(officer, citizen, line(10, variant=shop.bag_a))
    grant_for(world["officer_odense"], world["citizen_odense"], line(10, variant=shop.bag_a))
    first = order(citizen, shop.bag_a, 1)
    order(world["citizen_odense"], shop.bag_a, 1)  # not Aarhus's
    page = api.get("/api/v1/orders/changes?limit=50").json
    assert [(c["order_number"], c["to_status"]) for c in page["changes"]] == [(first.number, "accepted")]
    assert page["changes"][0]["citizen_id"] == citizen.id
    cursor = page["next_cursor"]
    empty = api.get(f"/api/v1/orders/changes?cursor={cursor}").json
    assert empty == {"changes": [], "next_cursor": cursor}
    second = order(citizen, shop.bag_a, 1)
    set_status(first, OrderStatus.SENT_TO_WAREHOUSE, reason="dispatched")
    db.session.commit()
    later = api.get(f"/api/v1/orders/changes?cursor={cursor}&limit=1").json
    # The second, so soon after the first, may wait for a decision (days between orders): whatever it became.
    assert [(c["order_number"], c["to_status"]) for c in later["changes"]] == [(second.number, second.status.value)]
    rest = api.get(f"/api/v1/orders/changes?cursor={later['next_cursor']}").json
    assert [(c["order_number"], c["from_status"], c["to_status"]) for c in rest["changes"]] == [
        (first.number, "accepted", "sent_to_warehouse")]


def test_a_cursor_or_limit_the_api_did_not_give_is_422(api, world):
    for query in ("cursor=garbage!", "cursor=ZXYx", "cursor=" + "A" * 101, "limit=0", "limit=501", "limit=ten",
                  "cursor=ZXYxOi0x"):  # "ev1:-1"
        assert is_problem(api.get(f"/api/v1/orders/changes?{query}"), 422, "invalid_query"), query


def test_orders_beyond_the_grant_await_the_municipality(api, shop, citizen, officer, world):
    grant = grant_for(officer, citizen, line(1, variant=shop.bag_a))
    grant_for(world["officer_odense"], world["citizen_odense"], line(1, variant=shop.bag_a))
    beyond = order(citizen, shop.bag_a, 5)
    order(world["citizen_odense"], shop.bag_a, 5)
    assert beyond.status is OrderStatus.AWAITING_APPROVAL
    waiting = api.get("/api/v1/orders/awaiting").json["orders"]
    assert [(o["order_number"], o["citizen_id"]) for o in waiting] == [(beyond.number, citizen.id)]
    assert waiting[0]["lines"][0]["routing"] != "within_grant"
    # The case system raises the officer's grant (its start unchanged): the waiting order fits, is accepted, and
    # leaves the feed.
    change = {k: v for k, v in body(valid_from=grant.valid_from.isoformat()).items() if k != "cpr"}
    change["lines"] = [{"article_number": "NL-100", "quantity": 10, "period": "month"}]
    response = api.put(f"/api/v1/grants/{grant.id}", change)
    assert response.status_code == 200, response.json
    assert api.get("/api/v1/orders/awaiting").json["orders"] == []
    db.session.expire_all()
    assert beyond.status is OrderStatus.ACCEPTED


def test_invoices_and_their_documents_only_the_own(app, api, month, odense_client):
    run_month(MAY, today=JUNE_2)
    db.session.commit()
    aarhus = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Aarhus Kommune"))
    odense = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Odense Kommune"))
    listed = api.get("/api/v1/invoices?month=2026-05").json["invoices"]
    assert [i["number"] for i in listed] == [aarhus.number]
    assert listed[0]["total_oere"] == aarhus.total_oere and set(listed[0]["documents"]) == {"pdf", "xml", "csv"}
    assert api.get("/api/v1/invoices?month=2026-04").json["invoices"] == []
    pdf = api.get(listed[0]["documents"]["pdf"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    xml = api.get(listed[0]["documents"]["xml"])
    assert xml.status_code == 200 and b"urn:oasis:names:specification:ubl" in xml.data
    assert api.get(listed[0]["documents"]["csv"]).status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invoice_specification_download",
                                                      AuditEvent.role == "municipal_system"))
    for path in (f"/api/v1/invoices/{odense.id}/pdf", f"/api/v1/invoices/{aarhus.id}/docx", "/api/v1/invoices/99999/pdf",
                 f"/api/v1/invoices/{2**40}/pdf"):
        assert is_problem(api.get(path), 404, "not_found"), path
    for month_text in ("2026-13", "26-05", "2026-5", "x"):
        assert is_problem(api.get(f"/api/v1/invoices?month={month_text}"), 422, "invalid_query")
    odense_api = Caller(app.test_client(), get_token(app.test_client(), odense_client[0].client_id, odense_client[1]))
    assert [i["number"] for i in odense_api.get("/api/v1/invoices").json["invoices"]] == [odense.number]


def test_statistics_reports_only_the_own(api, world):
    from datetime import date

    from usage_statistics.models import StatisticsReport
    from tests import factories

    own = StatisticsReport(municipality_id=factories.municipality(751).id, month=date(2026, 11, 1), pdf=b"%PDF-1.4 own",
                           csv=b"figure;value\r\n", pdf_sha256="0" * 64)
    theirs = StatisticsReport(municipality_id=factories.municipality(461).id, month=date(2026, 11, 1), pdf=b"%PDF odense",
                              csv=b"x", pdf_sha256="1" * 64)
    db.session.add_all([own, theirs])
    db.session.commit()
    listed = api.get("/api/v1/statistics/reports").json["reports"]
    assert [(r["id"], r["month"]) for r in listed] == [(own.id, "2026-11")]
    pdf = api.get(listed[0]["documents"]["pdf"])
    assert pdf.status_code == 200 and pdf.data == b"%PDF-1.4 own" and pdf.mimetype == "application/pdf"
    assert api.get(listed[0]["documents"]["csv"]).mimetype == "text/csv"
    for path in (f"/api/v1/statistics/reports/{theirs.id}/pdf", f"/api/v1/statistics/reports/{own.id}/xlsx"):
        assert is_problem(api.get(path), 404, "not_found")
