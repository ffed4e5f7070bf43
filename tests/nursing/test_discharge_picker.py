"""The hospital nurse finds and picks the recommended products in the discharge form (issue 24, 'a product picker in
the discharge form'): the shared catalogue's search and pick of the order steps, inside the form, so a search or a
pick keeps everything typed and never registers, looks up or audits anything."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from care.discharge import DischargeRecommendation
from stomi_app.extensions import db
from stomi_app.models import AuditEvent
from stomi_app.models.citizen import Citizen
from tests.nursing.test_views import _discharge_form, _login

URL = "/sygeplejerske/udskrivelse"


def _counts():
    return (db.session.scalar(select(func.count(Citizen.id))),
            db.session.scalar(select(func.count(DischargeRecommendation.id))),
            db.session.scalar(select(func.count(AuditEvent.id))))


def _value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*? value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def test_the_form_has_the_search_inside_it(auth, client, nurse_auh, shop):
    _login(auth, nurse_auh)
    html = client.get(URL).get_data(as_text=True)
    form = html[html.index('data-testid="discharge"'):html.index("</form>", html.index('data-testid="discharge"'))]
    assert 'data-testid="product-picker"' in form and 'name="find-q"' in form and 'data-testid="picker-find"' in form
    assert 'form="product-search"' not in html  # no separate GET search that would lose what the nurse typed


def test_a_search_shows_hits_and_keeps_everything_typed_without_registering(auth, client, nurse_auh, shop, world):
    _login(auth, nurse_auh)
    before = _counts()
    # Even with a registered citizen's CPR: a search is no look-up of anyone.
    data = _discharge_form(shop, cpr="150348-1234", name="Birthe Nielsen", **{"article-1": "", "qty-1": ""})
    response = client.post(URL, data={**data, "find-q": "calma", "find": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="picker-results"' in html and "Calma lukket pose" in html
    assert 'name="pick" value="NL-100"' in html and 'name="pick" value="NL-101"' in html and ">Anbefal<" in html
    assert 'value="Skovvej 3"' in html and 'value="150348-1234"' in html and _value(html, "find-q") == "calma"
    assert 'data-testid="confirm-identity"' not in html and "B*** N***" not in html
    assert _counts() == before


def test_picking_fills_the_first_empty_line_and_the_nurse_registers(auth, client, nurse_auh, shop):
    _login(auth, nurse_auh)
    data = _discharge_form(shop, **{"article-1": "", "qty-1": "", "find-q": "calma"})
    before = _counts()
    html = client.post(URL, data={**data, "pick": "nl-101"}).get_data(as_text=True)  # as typed in any case
    assert _value(html, "article-0") == "NL-100" and _value(html, "article-1") == "NL-101"
    assert _value(html, "qty-0") == "2" and _value(html, "qty-1") == ""
    note = html[html.index('data-testid="pick-note"'):]
    assert "står nu på linje 2: angiv pakninger pr. måned" in note[:400]
    assert "Calma lukket pose" in html[html.index('data-testid="line-product-2"'):][:200]
    assert 'data-testid="picker-results"' in html  # the hits stay for the next pick
    assert _counts() == before  # a pick registers nothing
    # The same again: said, not doubled.
    again = client.post(URL, data={**data, "article-1": "NL-101", "pick": "NL-101"}).get_data(as_text=True)
    assert "står allerede på linje 2" in again and _value(again, "article-2") == ""
    response = client.post(URL, data={**data, "article-1": "NL-101", "qty-1": "3"})
    assert response.status_code == 302
    recommendation = db.session.scalar(select(DischargeRecommendation))
    assert sorted((line.variant.article_number, line.quantity) for line in recommendation.lines) == [("NL-100", 2),
                                                                                                    ("NL-101", 3)]


def test_a_full_form_or_an_unknown_pick_is_told_at_the_products(auth, client, nurse_auh, shop):
    _login(auth, nurse_auh)
    full = _discharge_form(shop, **{f"article-{i}": f"X-{i}" for i in range(6)})
    response = client.post(URL, data={**full, "pick": "NL-101"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-testid="error-summary"' in html
    assert "Alle 6 linjer er brugt" in html and 'href="#products"' in html and 'id="products"' in html
    response = client.post(URL, data={**_discharge_form(shop), "pick": "<script>x</script>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<script>x</script>" not in html
    assert "Intet produkt i kataloget har varenummeret &lt;script&gt;" in html
    # Nasty search input: the page again, with the size's message at its field; never a 500, nothing registered.
    response = client.post(URL, data={**_discharge_form(shop), "find": "1", "find-q": "\x00" * 500,
                                      "find-size": "9" * 40, "find-category": "abc"})
    assert response.status_code == 200 and 'id="find-size-error"' in response.get_data(as_text=True)
    assert _counts()[1] == 0
