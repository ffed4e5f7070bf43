"""How far back a grant decision reaches: at most 3 months, never before the operation, and never into a month already
invoiced without a credit note (issue 24, item 3); the grant officer's pages for an ending and its withdrawal (item 2)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from invoicing.fees import add_schedule
from invoicing.run import credit_invoice, invoiced_months, run_month
from stomi_app.extensions import db
from grants.services import GrantError, change_grant, create_grant, earliest_effect, end_grant
from grants.models import Grant, GrantStatus
from tests import factories
from tests.fixtures.audit import audit_rows
from tests.fixtures.grants import grant_count
from tests.fixtures.people import OFFICER_AARHUS
from tests.municipal.test_portal import grant_form
from tests.fixtures.grants import grant_for, line

CPH = ZoneInfo("Europe/Copenhagen")
DEC_2 = datetime(2026, 12, 2, 12, tzinfo=CPH)
NOV = date(2026, 11, 1)


@pytest.fixture
def on_2_december():
    with time_machine.travel(DEC_2, tick=False):
        yield


def _create(officer, citizen, shop, valid_from, valid_to=None):
    return create_grant(officer, citizen, legal_basis="Serviceloven § 112", valid_from=valid_from, valid_to=valid_to,
                        lines=[line(2, variant=shop.bag_a)], reason="Udskrevet")


def _refused(call) -> GrantError:
    with pytest.raises(GrantError) as exc:
        call()
    db.session.rollback()
    return exc.value


# --- 3 months back ---------------------------------------------------------------------------------------------

def test_earliest_effect_is_3_months_back():
    assert earliest_effect(date(2026, 12, 2)) == date(2026, 9, 2)
    assert earliest_effect(date(2026, 5, 31)) == date(2026, 2, 28)  # no 31 February: the month's last day


def test_a_start_exactly_3_months_back_is_allowed_one_day_more_is_not(officer, citizen, shop, on_2_december):
    error = _refused(lambda: _create(officer, citizen, shop, date(2026, 9, 1)))
    assert error.field == "valid_from" and "2026-09-02" in str(error) and "3 måneder" in str(error)
    assert grant_count() == 0
    assert _create(officer, citizen, shop, date(2026, 9, 2)).valid_from == date(2026, 9, 2)


def test_the_1990_backdating_is_refused(officer, citizen, shop, on_2_december):
    assert _refused(lambda: _create(officer, citizen, shop, date(1990, 1, 1))).field == "valid_from"


def test_moving_an_old_start_is_refused_but_an_unchanged_old_start_is_history(officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2026, 1, 1))
    with time_machine.travel(DEC_2, tick=False):
        # Moving the start from January to October re-opens January to September: too far back.
        error = _refused(lambda: change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=date(2026, 10, 1),
                                              valid_to=None, lines=[line(2, variant=shop.bag_a)], reason="Flyttet"))
        assert error.field == "valid_from"
        change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=date(2026, 1, 1), valid_to=None,
                     lines=[line(3, variant=shop.bag_a)], reason="Mere")
        db.session.commit()
    assert grant.version == 2 and grant.valid_from == date(2026, 1, 1)


def test_a_last_day_back_to_the_day_before_the_earliest_is_allowed_one_day_more_is_not(officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2026, 1, 1))
    with time_machine.travel(DEC_2, tick=False):
        # A last day of 31 August ends the grant from 1 September: one day before 2 September.
        error = _refused(lambda: end_grant(officer, grant, end_date=date(2026, 8, 31), reason="Død"))
        assert error.field == "end_date"
        end_grant(officer, grant, end_date=date(2026, 9, 1), reason="Død")
        db.session.commit()
    assert grant.status is GrantStatus.ENDED and grant.valid_to == date(2026, 9, 1)


# --- the operation ---------------------------------------------------------------------------------------------

def test_a_start_before_the_operation_is_refused(officer, citizen, shop, on_2_december):
    citizen.operation_date = date(2026, 11, 20)
    db.session.commit()
    error = _refused(lambda: _create(officer, citizen, shop, date(2026, 11, 19)))
    assert error.field == "valid_from" and "2026-11-20" in str(error) and "operationen" in str(error)
    assert _create(officer, citizen, shop, date(2026, 11, 20)).valid_from == date(2026, 11, 20)


# --- months already invoiced -----------------------------------------------------------------------------------

@pytest.fixture
def november_invoiced(world, officer, citizen, shop):
    """Birthe's grant since January; Karen has none; November 2026 invoiced to Aarhus on 2 December."""
    add_schedule(valid_from=date(2026, 1, 1))
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2026, 1, 1))
    karen = factories.citizen(municipality_code=751, name="Karen Holm")
    db.session.commit()
    with time_machine.travel(DEC_2, tick=False):
        run_month(NOV, today=DEC_2.date())
        db.session.commit()
        number = invoiced_months(citizen.municipality_id)[NOV]
        yield {"grant": grant, "karen": karen, "number": number}


def test_a_grant_reaching_into_an_invoiced_month_is_refused_until_it_is_credited(november_invoiced, officer, shop):
    karen, number = november_invoiced["karen"], november_invoiced["number"]
    error = _refused(lambda: _create(officer, karen, shop, date(2026, 11, 15)))
    assert error.field == "valid_from"
    assert "2026-11" in str(error) and f"faktura {number}" in str(error) and "kreditnota" in str(error)
    assert grant_count() == 1
    # December is not invoiced: a grant from 1 December is fine.
    assert _create(officer, karen, shop, date(2026, 12, 1)).valid_from == date(2026, 12, 1)
    db.session.rollback()
    # After the FSC's credit note the month is open again (and the next run invoices Karen's November too).
    credit_invoice(number, reason="Bevilling med tilbagevirkning")
    db.session.commit()
    assert _create(officer, karen, shop, date(2026, 11, 15)).valid_from == date(2026, 11, 15)


def test_an_ending_that_would_take_the_fee_out_of_an_invoiced_month_is_refused(november_invoiced, officer):
    grant = november_invoiced["grant"]
    error = _refused(lambda: end_grant(officer, grant, end_date=date(2026, 10, 31), reason="Død"))
    assert error.field == "end_date" and "2026-11" in str(error)
    # A last day in November keeps the citizen counted for November: the invoice stands.
    end_grant(officer, grant, end_date=date(2026, 11, 5), reason="Død")
    db.session.commit()
    assert grant.valid_to == date(2026, 11, 5)


def test_a_change_within_an_invoiced_month_that_keeps_the_fee_is_allowed(november_invoiced, officer, shop):
    grant = november_invoiced["grant"]
    # Starting on 1 November instead of 1 January: still counted in November, and months before are too far back.
    error = _refused(lambda: change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=date(2026, 11, 1),
                                          valid_to=None, lines=[line(2, variant=shop.bag_a)], reason="Rettet"))
    assert error.field == "valid_from" and "3 måneder" in str(error)
    change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=date(2027, 6, 30),
                 lines=[line(2, variant=shop.bag_a)], reason="Tidsbegrænset")
    db.session.commit()
    assert grant.valid_to == date(2027, 6, 30)


# --- the pages: messages next to the field, in Danish ----------------------------------------------------------
# The officer logs in on the travelled day: a session from a later (real) moment would not be one of that day's.

def _log_in(auth):
    assert auth.staff(OFFICER_AARHUS).status_code == 302
    return auth.client


def test_the_form_says_next_to_the_start_that_it_is_too_far_back(on_2_december, logged_in, citizen, shop):
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(valid_from="2026-09-01"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="valid_from-error"' in page and 'href="#valid_from"' in page
    error = page[page.find('id="valid_from-error"'):][:600]
    assert "Startdatoen kan højst ligge 3 måneder tilbage, altså tidligst 2026-09-02" in error
    assert grant_count() == 0 and audit_rows("change") == []


def test_the_form_says_next_to_the_start_that_it_is_before_the_operation(on_2_december, logged_in, citizen, shop):
    citizen.operation_date = date(2026, 11, 20)
    db.session.commit()
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(valid_from="2026-11-10"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bevillingen kan ikke starte før operationen den 2026-11-20." in page[page.find('id="valid_from-error"'):][:400]


def test_the_end_form_says_next_to_the_last_day_which_month_is_invoiced(november_invoiced, logged_in):
    grant, number = november_invoiced["grant"], november_invoiced["number"]
    response = logged_in.post(f"/kommune/bevilling/{grant.id}/afslut", data={"end_date": "2026-10-31", "reason": "Død"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page[page.find('id="end_date-error"'):][:800]
    assert f"2026-11 er faktureret (faktura {number})" in error and "kreditnota" in error
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status is GrantStatus.ACTIVE


def test_the_officer_ends_with_a_future_last_day_sees_it_in_force_and_withdraws_the_ending(auth, officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2026, 1, 1))
    with time_machine.travel(datetime(2026, 11, 10, 12, tzinfo=CPH), tick=False):
        logged_in = _log_in(auth)
        assert logged_in.post(f"/kommune/bevilling/{grant.id}/afslut",
                              data={"end_date": "2026-11-30", "reason": "Fraflytter"}).status_code == 302
        page = logged_in.get(f"/kommune/borger/{citizen.id}").get_data(as_text=True)
        section = page[page.find(f'data-testid="grant-{grant.id}"'):]
        assert 'data-testid="grant-state">Gældende<' in section
        assert 'data-testid="ending-pending"' in section and 'data-testid="withdraw-ending"' in section
        assert 'data-testid="change-grant"' not in section
        form_page = logged_in.get(f"/kommune/bevilling/{grant.id}/fortryd-afslutning").get_data(as_text=True)
        assert "Fortryd afslutningen" in form_page
        refused = logged_in.post(f"/kommune/bevilling/{grant.id}/fortryd-afslutning", data={"reason": ""})
        assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
        done = logged_in.post(f"/kommune/bevilling/{grant.id}/fortryd-afslutning", data={"reason": "Bliver boende"})
        assert done.status_code == 302
    db.session.expire_all()
    grant = db.session.get(Grant, grant.id)
    assert grant.status is GrantStatus.ACTIVE and grant.valid_to is None
    changes = [e for e in audit_rows("change") if e.purpose == "Grant ending withdrawn (grant officer)"]
    assert len(changes) == 1 and changes[0].citizen_id == citizen.id and "withdrawn_end=2026-11-30" in changes[0].detail


def test_after_the_last_day_the_withdrawal_is_a_message(auth, officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2026, 1, 1))
    with time_machine.travel(datetime(2026, 11, 10, 12, tzinfo=CPH), tick=False):
        end_grant(officer, grant, end_date=date(2026, 11, 30), reason="Fraflytter")
        db.session.commit()
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=CPH), tick=False):
        logged_in = _log_in(auth)
        page = logged_in.get(f"/kommune/borger/{citizen.id}").get_data(as_text=True)
        assert 'data-testid="withdraw-ending"' not in page
        response = logged_in.post(f"/kommune/bevilling/{grant.id}/fortryd-afslutning", data={"reason": "For sent"})
        assert response.status_code == 422
        assert "kan ikke længere fortrydes" in response.get_data(as_text=True)
