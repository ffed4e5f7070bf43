"""Organisation data in the FSC administrator's UI: a municipality's EAN/GLN, CVR, membership and ordering rules
(check digits and ranges at their boundaries), and a new product area with a category that a price list can use."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue import importer
from catalogue.models import Category, ProductArea
from catalogue.reference import ensure_stoma_categories
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Municipality
from grants.models import OrderRules
from ordering.services import rules_for
from tests import factories

GOOD = {"ean_gln": "5798000420700", "cvr": "55133018", "active": "y", "intro_months": "6",
        "intro_max_months_per_order": "1", "max_months_per_order": "3", "min_days_between_orders": "14"}


@pytest.fixture
def admin(app, world):
    client = app.test_client()
    assert client.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD}).status_code == 302
    return client


def _valid_gln() -> str:
    from stdnum import ean

    body = "579800042070"
    return body + ean.calc_check_digit(body)


def _valid_cvr() -> str:
    from stdnum.dk import cvr

    return next(f"5513301{d}" for d in range(10) if cvr.is_valid(f"5513301{d}"))


def _aarhus() -> Municipality:
    db.session.expire_all()
    return db.session.scalar(select(Municipality).where(Municipality.code == 751))


def test_the_administrator_changes_a_municipality(admin):
    form = {**GOOD, "ean_gln": _valid_gln(), "cvr": _valid_cvr(), "max_months_per_order": "2", "min_days_between_orders": "0",
            "invoice_reference": "x" * 100}
    assert admin.get("/admin/kommuner/751").status_code == 200
    answer = admin.post("/admin/kommuner/751", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    aarhus = _aarhus()
    assert aarhus.ean_gln == form["ean_gln"] and aarhus.cvr == form["cvr"] and aarhus.active
    assert aarhus.invoice_reference == "x" * 100
    rules = rules_for(aarhus.id)
    assert rules.max_months_per_order == 2 and rules.min_days_between_orders == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "municipality-change"))
    assert "max_months_per_order=3" in event.detail and "max_months_per_order=2" in event.detail
    # Unticked: out of the solution; the same values again change nothing (no second audit event).
    admin.post("/admin/kommuner/751", data={k: v for k, v in form.items() if k != "active"})
    assert not _aarhus().active
    admin.post("/admin/kommuner/751", data={k: v for k, v in form.items() if k != "active"})
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "municipality-change")).all()) == 2


@pytest.mark.parametrize("change, field", [
    ({"ean_gln": "579800042070"}, "ean_gln"),  # 12 digits
    ({"ean_gln": "5798000420701"}, "ean_gln"),  # wrong check digit (unless it happens to be right: see below)
    ({"ean_gln": "57980004207000"}, "ean_gln"),  # 14
    ({"ean_gln": "٥٧٩٨٠٠٠٤٢٠٧٠٠"}, "ean_gln"),
    ({"cvr": "1234567"}, "cvr"),
    ({"cvr": "12345678"}, "cvr"),
    ({"cvr": "x" * 5000}, "cvr"),
    ({"invoice_reference": "x" * 101}, "invoice_reference"),
    ({"intro_months": "25"}, "intro_months"),
    ({"intro_months": "-1"}, "intro_months"),
    ({"intro_max_months_per_order": "0"}, "intro_max_months_per_order"),
    ({"max_months_per_order": "13"}, "max_months_per_order"),
    ({"min_days_between_orders": "91"}, "min_days_between_orders"),
    ({"min_days_between_orders": "99999999999999999999"}, "min_days_between_orders"),
    ({"min_days_between_orders": "abc"}, "min_days_between_orders"),
    ({"min_days_between_orders": ""}, "min_days_between_orders"),
    ({"intro_max_months_per_order": "4", "max_months_per_order": "3"}, "intro_max_months_per_order"),
    ({"reminder_days_before": "0"}, "reminder_days_before"),
    ({"reminder_days_before": "61"}, "reminder_days_before"),
    ({"reminder_days_before": "ti"}, "reminder_days_before"),
    ({"invoice_contact_email": "bogholderi@"}, "invoice_contact_email"),
    ({"invoice_contact_email": "a@" + "b" * 250 + ".dk"}, "invoice_contact_email"),
    ({"invoice_contact_name": "x" * 201}, "invoice_contact_name"),
])
def test_refused_values_are_shown_at_the_field_and_nothing_is_saved(admin, change, field):
    form = {**GOOD, "ean_gln": _valid_gln(), "cvr": _valid_cvr(), **change}
    if field == "ean_gln" and change["ean_gln"].isdigit() and len(change["ean_gln"]) == 13:
        from stdnum import ean

        assert not ean.is_valid(change["ean_gln"])
    before = (_aarhus().ean_gln, _aarhus().cvr)
    answer = admin.post("/admin/kommuner/751", data=form)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert (_aarhus().ean_gln, _aarhus().cvr) == before
    assert db.session.scalar(select(OrderRules.id)) is None


def test_the_boundaries_of_the_rules_are_accepted(admin):
    form = {**GOOD, "ean_gln": _valid_gln(), "cvr": _valid_cvr(), "intro_months": "24", "intro_max_months_per_order": "12",
            "max_months_per_order": "12", "min_days_between_orders": "90"}
    assert admin.post("/admin/kommuner/751", data=form).status_code == 302
    form.update({"intro_months": "0", "intro_max_months_per_order": "1", "max_months_per_order": "1",
                 "min_days_between_orders": "0"})
    assert admin.post("/admin/kommuner/751", data=form).status_code == 302
    assert admin.get("/admin/kommuner/9999").status_code == 404


def test_the_reminder_lead_time_is_set_per_municipality_and_audited(admin):
    form = {**GOOD, "ean_gln": _valid_gln(), "cvr": _valid_cvr()}
    for days in ("1", "60"):
        assert admin.post("/admin/kommuner/751", data={**form, "reminder_days_before": days}).status_code == 302
        assert _aarhus().reminder_days_before == int(days)
    assert 'value="60"' in admin.get("/admin/kommuner/751").get_data(as_text=True)
    details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "municipality-change")).all()
    assert any("reminder_days=1" in d and "reminder_days=60" in d for d in details)
    # Left empty: the lead time stays as it was.
    assert admin.post("/admin/kommuner/751", data={**form, "reminder_days_before": ""}).status_code == 302
    assert _aarhus().reminder_days_before == 60


def test_a_new_product_area_and_category_are_usable_by_the_price_list_import(admin):
    ensure_stoma_categories()
    db.session.commit()
    page = admin.post("/katalog/admin/omraader", data={"which": "area", "area-code": "Urologi",
                                                     "area-name_da": "Urologi og kontinens", "area-name_en": "Urology and continence"})
    assert page.status_code == 302
    area = db.session.scalar(select(ProductArea).where(ProductArea.code == "urologi"))
    taken = admin.post("/katalog/admin/omraader", data={"which": "area", "area-code": "urologi", "area-name_da": "x",
                                                      "area-name_en": "x"})
    assert taken.status_code == 422 and "optaget" in taken.get_data(as_text=True)
    for bad in ("u", "uro logi", "urologi!", "ü" * 3, "x" * 41):
        refused = admin.post("/katalog/admin/omraader", data={"which": "area", "area-code": bad, "area-name_da": "x",
                                                            "area-name_en": "x"})
        assert refused.status_code == 422, bad
    made = admin.post("/katalog/admin/omraader", data={
        "which": "category", "category-product_area_id": str(area.id), "category-code": "urologi_katetre",
        "category-name_da": "Katetre", "category-name_en": "Catheters", "category-sort_order": ""})
    assert made.status_code == 302
    category = db.session.scalar(select(Category).where(Category.code == "urologi_katetre"))
    assert category.product_area_id == area.id and category.sort_order == 10
    assert admin.post("/katalog/admin/omraader", data={
        "which": "category", "category-product_area_id": "abc", "category-code": "x2", "category-name_da": "x",
        "category-name_en": "x"}).status_code == 422
    assert admin.post("/katalog/admin/omraader", data={"which": "nothing"}).status_code == 400
    listing = admin.get("/katalog/admin/omraader").get_data(as_text=True)
    assert "Urologi og kontinens" in listing and "urologi_katetre" in listing

    from stdnum import ean

    gtin = "570893211859" + ean.calc_check_digit("570893211859")
    csv = ("category_code;manufacturer;product_name;article_number;gtin;pack_size;unit;price_dkk;valid_from;contract_reference\n"
           f"urologi_katetre;Coloplast;SpeediCath Compact;28590;{gtin};30;box;412,50;2026-01-01;FSC-2026-U1\n")
    report = importer.import_price_list(csv.encode())
    assert report.ok, [e.message for e in report.errors]
    db.session.commit()
    assert "SpeediCath Compact" in admin.get("/katalog/?q=SpeediCath").get_data(as_text=True)



def test_the_invoice_contact_is_kept_and_shown(admin):
    form = {**GOOD, "ean_gln": _valid_gln(), "cvr": _valid_cvr(), "invoice_contact_name": "  Bente   Bogholder ",
            "invoice_contact_email": "Bente.Bogholder@Aarhus.dk"}
    assert admin.post("/admin/kommuner/751", data=form).status_code == 302
    aarhus = _aarhus()
    assert aarhus.invoice_contact_name == "Bente Bogholder" and aarhus.invoice_contact_email == "Bente.Bogholder@aarhus.dk"
    page = admin.get("/admin/kommuner/751").get_data(as_text=True)
    assert 'value="Bente Bogholder"' in page and 'value="Bente.Bogholder@aarhus.dk"' in page
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "municipality-change"))
    assert "invoice_contact=Bente Bogholder <Bente.Bogholder@aarhus.dk>" in detail
    # Emptied: no contact.
    assert admin.post("/admin/kommuner/751", data={**form, "invoice_contact_name": "", "invoice_contact_email": ""}).status_code == 302
    assert _aarhus().invoice_contact_email is None
