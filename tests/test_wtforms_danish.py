"""WTForms' own messages (required field, not a date, too long, CSRF) are Danish on a Danish page: WTForms ships no
Danish catalogue, so the project's carries them (stomi_app.forms.WTFORMS_MESSAGES) and every form asks Flask-Babel."""
from __future__ import annotations

import re

import pytest

from stomi_app.forms import BaseForm, WTFORMS_MESSAGES
from tests import factories
from tests.fixtures.grants import grant_for, line

ENGLISH = re.compile(r"This field is required|Not a valid [a-z]+ value|Field must be|Field cannot be|Invalid (input|email)"
                     r"|Number must be|CSRF token")


def test_every_wtforms_message_has_danish(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("da"):
        for message in WTFORMS_MESSAGES:
            assert gettext(message._args[0]) != message._args[0], message._args[0]
        from wtforms import StringField
        from wtforms.validators import Length

        class Short(BaseForm):
            class Meta:
                csrf = False
            name = StringField("Navn", validators=[Length(max=3)])

        form = Short(data={"name": "abcdef"})
        assert not form.validate() and form.name.errors == ["Feltet må højst være 3 tegn langt."]


def test_a_date_that_is_not_iso_is_told_in_danish(auth, client, officer, citizen, shop):
    from datetime import date

    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    assert auth.citizen("150348-1234").status_code == 302
    assert client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "1"}).status_code == 302
    answer = client.post("/borger/bestil/levering", data={
        "address_choice": "temporary", "speed": "normal", "address": "Sommervej 2", "postcode": "8400",
        "city": "Ebeltoft", "temporary_from": "24/12/2026", "temporary_to": "31.12.2026"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Ikke en gyldig dato" in html
    assert not ENGLISH.search(html), ENGLISH.search(html)


@pytest.mark.parametrize("path, data", [
    ("/admin/fakturering/koersel", {"month": ""}),
    ("/admin/gebyrer", {"valid_from": "", "cutting": "", "delivery": "", "express": ""}),
])
def test_required_fields_on_the_administrators_pages_are_told_in_danish(auth, client, world, path, data):
    assert auth.staff(world[factories.Role.FSC_ADMIN].email).status_code == 302
    answer = client.post(path, data=data, follow_redirects=True)
    html = answer.get_data(as_text=True)
    assert answer.status_code < 500
    assert not ENGLISH.search(html), ENGLISH.search(html)

