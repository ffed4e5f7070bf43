"""The one error summary (macros.html error_summary, fed by stomi_app.forms.error_summary_items): every problem of a
form at the top of the page at once, each linking to its field, on every audience's form pages (issue 24 item 15)."""
from __future__ import annotations

import re

from wtforms import FieldList, FormField, HiddenField, RadioField, StringField
from wtforms.validators import InputRequired

from stomi_app.forms import BaseForm, BaseSubForm, error_summary_items


class _Row(BaseSubForm):
    article = StringField("Article", validators=[InputRequired("row required")])


class _Form(BaseForm):
    name = StringField("Name", validators=[InputRequired("name required")])
    shape = RadioField("Shape", choices=[("round", "Round"), ("oval", "Oval")], validators=[InputRequired("shape required")])
    token = HiddenField("Token", validators=[InputRequired("token required")])
    rows = FieldList(FormField(_Row), min_entries=2)


def _summary(html: str) -> str:
    start = html.find('data-testid="error-summary"')
    assert start != -1, "no error summary on the page"
    return html[start:html.find("</div>", html.find('class="alert-body"', start))]


def _links(html: str) -> list[str]:
    return re.findall(r'<a href="#([^"]+)" class="function-link">', _summary(html))


def test_items_follow_the_fields_nested_rows_included_with_anchors_a_person_can_move_to(app):
    with app.test_request_context(method="POST", data={"rows-0-article": "", "rows-1-article": "x"}):
        form = _Form()
        form.validate()
        form.form_errors.append("whole form")
        items = error_summary_items(form, extra={"qty-7": "too many"})
    assert items == [("name", "name required"), ("shape-0", "shape required"), (None, "token required"),
                     ("rows-0-article", "row required"), (None, "whole form"), ("qty-7", "too many")]


def test_several_forms_none_and_plain_messages(app):
    with app.test_request_context(method="POST", data={}):
        first, second = _Form(prefix="a"), _Form(prefix="b")
        second.validate()
        items = error_summary_items([first, None, second], extra=["one", ("x", "two")])
    assert items[0] == ("b-name", "name required")
    assert items[-2:] == [(None, "one"), ("x", "two")]
    assert error_summary_items(None) == [] and error_summary_items(first) == []


def test_a_valid_page_has_no_summary(auth, client, world):
    assert auth.citizen("1503481234").status_code == 302
    assert 'data-testid="error-summary"' not in client.get("/borger/maal").get_data(as_text=True)


def test_citizen_measure_summary_links_to_the_field(auth, client, world):
    auth.citizen("1503481234")
    response = client.post("/borger/maal", data={"shape": "round", "diameter_mm": "abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _links(html) == ["diameter_mm"]
    assert html.count('data-testid="error-summary"') == 1
    assert 'data-module="error-summary"' in html  # DKFDS moves the focus to it


def test_nurse_profile_lists_the_error_at_the_top_of_the_long_page(auth, client, world):
    citizen = world["citizen"]
    assert auth.staff("nurse@test.dk").status_code == 302
    response = client.post(f"/sygeplejerske/borger/{citizen.id}/noter", data={"note-kind": "skin", "note-text": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary_at = html.find('data-testid="error-summary"')
    assert 0 < summary_at < html.find('data-testid="stoma"')  # above the first section, not half a page down
    assert _links(html) == ["note-text"]


def test_callcenter_search_error_is_summarised(auth, client, world):
    assert auth.staff("agent@test.dk").status_code == 302
    response = client.post("/callcenter/", data={"q": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="search-error"' in html
    assert _links(html) == ["q"]


def test_grant_form_shows_every_problem_at_once(auth, client, world):
    from tests.municipal.test_portal import grant_form

    assert auth.staff("officer.aarhus@test.dk").status_code == 302
    citizen = world["citizen"]
    data = grant_form(**{"legal_basis": "", "reason": "", "valid_from": "1990-01-01", "lines-0-article_number": "NOPE-1",
                         "lines-1-quantity": "0", "lines-1-article_number": "NL-100"})
    response = client.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    links = _links(html)
    # The form's own checks and the grant rules' date check, in one go: no second round after fixing the first.
    assert {"legal_basis", "reason", "valid_from", "lines-0-article_number", "lines-1-quantity"} <= set(links), links
    assert html.count('data-testid="error-summary"') == 1
