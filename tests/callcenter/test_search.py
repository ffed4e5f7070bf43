"""Finding the citizen: every kind of search, bad input, no hits, and the audit trail of searches and openings."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from callcenter.search import SearchError, classify, mask_cprs
from stomi_app.extensions import db
from stomi_app.models import AuditEvent
from tests import factories
from tests.fixtures.orders import web_order


def _audit(action=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


@pytest.mark.parametrize("text, kind, value", [
    ("150348-1234", "cpr", "1503481234"),
    ("1503481234", "cpr", "1503481234"),
    (" 150348 1234 ", "cpr", "1503481234"),
    ("150348 Birthe", "birthdate_name", "150348 Birthe"),
    ("150348-birthe nielsen", "birthdate_name", "150348 birthe nielsen"),
    ("150348", "birthdate", "150348"),
    ("Birthe", "name", "Birthe"),
    ("  birthe   niel ", "name", "birthe niel"),
    ("20304050", "phone", "20304050"),
    ("20 30 40 50", "phone", "20304050"),
    ("+45 20 30 40 50", "phone", "20304050"),
    ("0000042", "order", "0000042"),
    ("42", "order", "42"),
    ("999999", "order", "999999"),  # not a birth date (day 99), so an order number
])
def test_classify_understands_each_kind(text, kind, value):
    assert classify(text) == (kind, value)


@pytest.mark.parametrize("text", [
    "", "   ", "B", "%", "3213481234", "150348-12345", "123456789", "+45 123", "320348 Birthe", "150348 B",
    "Birthe 12", "x" * 101,
])
def test_classify_refuses_what_it_cannot_understand(text):
    with pytest.raises(SearchError):
        classify(text)


def test_mask_cprs_hides_the_last_four_digits_in_free_text():
    assert mask_cprs("cpr 150348-1234 and 0207562345") == "cpr 150348-**** and 020756-****"
    assert mask_cprs("1503481234567") == "150348-****"  # a mistyped CPR is masked too
    assert mask_cprs("phone 20304050, order 0000042") == "phone 20304050, order 0000042"


@pytest.mark.parametrize("query", ["150348-1234", "1503481234"])
def test_full_cpr_opens_the_citizen_at_once_and_both_steps_are_audited(agent_client, citizen, agent, query):
    response = agent_client.post("/callcenter/", data={"q": query})
    assert response.status_code == 302
    assert f"/callcenter/borger/{citizen.id}?s=" in response.headers["Location"]
    page = agent_client.get(response.headers["Location"])
    assert page.status_code == 200 and "Birthe Nielsen" in page.get_data(as_text=True)
    search, opening = _audit("search")[0], _audit("read")[0]
    assert search.user_id == agent.id and search.role == "callcenter"
    assert search.detail.startswith("cpr: 150348-**** | hits=1")
    assert opening.citizen_id == citizen.id and opening.user_id == agent.id
    assert opening.detail == f"from search #{search.id} (cpr: 150348-****)"
    assert not any("1234" in (event.detail or "") for event in _audit())


def test_cpr_of_a_citizen_in_another_municipality_is_found(agent_client, world):
    response = agent_client.post("/callcenter/", data={"q": "0207562345"})
    assert response.headers["Location"].startswith(f"/callcenter/borger/{world['citizen_odense'].id}")


def test_unknown_valid_cpr_gives_no_hits(agent_client, citizen):
    response = agent_client.post("/callcenter/", data={"q": "010203-4567"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="no-hits"' in html
    assert "010203-****" in html and "4567" not in html
    assert _audit("search")[0].detail.startswith("cpr: 010203-**** | hits=0")


def test_birth_date_and_name(agent_client, citizen, world):
    factories.citizen("1503489999", name="Anders Nielsen")
    db.session.commit()
    html = agent_client.post("/callcenter/", data={"q": "150348 birthe"}, follow_redirects=True).get_data(as_text=True)
    assert "Birthe Nielsen" in html and "Anders Nielsen" not in html
    assert "150348-****" in html and "Aarhus" in html and "Testvej 1" in html


def test_birth_date_alone_lists_everybody_born_that_day(agent_client, citizen, world):
    factories.citizen("1503489999", name="Anders Nielsen")
    db.session.commit()
    html = agent_client.post("/callcenter/", data={"q": "150348"}, follow_redirects=True).get_data(as_text=True)
    assert "Birthe Nielsen" in html and "Anders Nielsen" in html and "Jens Mikkelsen" not in html


def test_partial_name_across_municipalities(agent_client, world):
    html = agent_client.post("/callcenter/", data={"q": "SEN"}, follow_redirects=True).get_data(as_text=True)
    assert "Birthe Nielsen" in html and "Jens Mikkelsen" in html
    assert "Odense" in html and "Aarhus" in html
    assert _audit("search")[0].detail.startswith("name: SEN | hits=2")


def test_name_search_opens_with_the_criterion_in_the_audit(agent_client, citizen):
    agent_client.post("/callcenter/", data={"q": "birthe"})
    search = _audit("search")[0]
    assert agent_client.get(f"/callcenter/borger/{citizen.id}?s={search.id}").status_code == 200
    assert _audit("read")[0].detail == f"from search #{search.id} (name: birthe)"


def test_a_forged_search_id_is_not_trusted(agent_client, citizen):
    assert agent_client.get(f"/callcenter/borger/{citizen.id}?s=99999").status_code == 200
    assert agent_client.get(f"/callcenter/borger/{citizen.id}?s=x'--").status_code == 200
    assert [e.detail for e in _audit("read")] == ["opened directly", "opened directly"]


def test_phone(agent_client, citizen):
    citizen.phone = "20304050"
    db.session.commit()
    html = agent_client.post("/callcenter/", data={"q": "+45 20 30 40 50"}, follow_redirects=True).get_data(as_text=True)
    assert "Birthe Nielsen" in html


def test_order_number_goes_to_the_order(agent_client, consenting, shop):
    order = web_order(consenting, {shop.bag_a: 1})
    response = agent_client.post("/callcenter/", data={"q": order.number})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/callcenter/borger/{consenting.id}/ordre/{order.id}?s=")
    page = agent_client.get(response.headers["Location"])
    assert page.status_code == 200 and order.number in page.get_data(as_text=True)
    assert _audit("read")[0].detail.startswith("from search #") and f"order: {order.number}" in _audit("read")[0].detail


def test_unknown_order_number_gives_no_hits(agent_client, world):
    html = agent_client.post("/callcenter/", data={"q": "0000"}, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="no-hits"' in html


@pytest.mark.parametrize("query", ["B", "3213481234", "150348-12345", "abc%", "%_%", "' OR 1=1 --", "x" * 300, "Birthe\x00"])
def test_bad_input_is_explained_never_a_500(agent_client, citizen, query):
    response = agent_client.post("/callcenter/", data={"q": query})
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert 'data-testid="search-error"' in response.get_data(as_text=True)
    else:
        results = agent_client.get(response.headers["Location"])
        assert results.status_code == 200
        if "%" in query or "_" in query:  # wildcards are letters to look for: nobody is called "abc%"
            assert 'data-testid="no-hits"' in results.get_data(as_text=True)


def test_malformed_cpr_is_refused_and_audited_masked(agent_client, citizen):
    response = agent_client.post("/callcenter/", data={"q": "321348-1234"})
    assert response.status_code == 422
    assert "321348-**** er ikke et gyldigt CPR-nummer" in response.get_data(as_text=True)
    refused = _audit("search_refused")[0]
    assert "321348-****" in refused.detail and "1234" not in refused.detail


def test_wildcards_match_only_themselves(agent_client, citizen, world):
    factories.citizen("0101501111", name="Per 100% Hansen")
    db.session.commit()
    html = agent_client.post("/callcenter/", data={"q": "100%"}, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="search-error"' in html  # digits in a name search are refused, rather than guessed at
    html = agent_client.post("/callcenter/", data={"q": "_"}, follow_redirects=True).get_data(as_text=True)
    assert "Birthe Nielsen" not in html


def test_results_stay_after_opening_and_going_back(agent_client, world):
    agent_client.post("/callcenter/", data={"q": "sen"})
    html = agent_client.get("/callcenter/").get_data(as_text=True)
    assert 'data-testid="search-results"' in html and "Jens Mikkelsen" in html
    assert len(_audit("search")) == 1  # showing the results again is not a new search


def test_only_callcenter_agents(auth, client, world):
    auth.staff("nurse@test.dk")
    assert client.post("/callcenter/", data={"q": "birthe"}).status_code == 403
    assert client.get(f"/callcenter/borger/{world['citizen'].id}").status_code == 403


def test_unknown_citizen_is_404(agent_client, world):
    assert agent_client.get("/callcenter/borger/999999").status_code == 404


def test_opening_hours_are_shown(agent_client, world):
    html = agent_client.get("/callcenter/").get_data(as_text=True)
    assert "07:00–16:00" in html and 'data-testid="hours"' in html
