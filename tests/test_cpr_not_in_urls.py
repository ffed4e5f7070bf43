"""No full CPR number in a URL: the citizen searches of the grant officer, the nurse and the audit log are posted,
and the login's `next` carries a page's path only; every request URL and Location header of these runs is scanned."""
from __future__ import annotations

import re

import pytest

from stomi_app.models import Role
from tests import factories

CPR_DIGITS = re.compile(r"\d{6}\D{0,3}\d{4}")  # 1503481234, 150348-1234, 150348%2D1234
TYPED = ["150348-1234", "1503481234", "020756-2345"]


class Recorder:
    """Wraps a test client: every URL it asks for and every Location it is sent to."""

    def __init__(self, client):
        self.client, self.seen = client, []

    def request(self, method, url, **kwargs):
        response = getattr(self.client, method)(url, **kwargs)
        self.seen.append(response.request.url)
        for r in list(response.history) + [response]:
            self.seen.append(r.request.url)
            self.seen.append(r.headers.get("Location", ""))
        return response


def _login(client, role):
    assert client.post("/login", data={"email": factories.STAFF[role][0], "password": factories.PASSWORD}).status_code == 302


@pytest.mark.parametrize("role, page", [
    (Role.GRANT_OFFICER, "/kommune/borgere"), (Role.NURSE, "/sygeplejerske/borgere"), (Role.FSC_ADMIN, "/admin/revision"),
])
def test_searches_by_cpr_keep_it_out_of_every_url(world, app, role, page):
    client = app.test_client()
    _login(client, role)
    http = Recorder(client)
    field = "cpr" if page == "/admin/revision" else "q"
    for typed in TYPED:
        response = http.request("post", page, data={field: typed}, follow_redirects=True)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        if typed.startswith("150348"):
            assert "150348-****" in response.get_data(as_text=True)
        assert http.request("get", page).status_code == 200  # the last search, shown again
    leaked = [url for url in http.seen if CPR_DIGITS.search(url)]
    assert leaked == []


def test_an_expired_session_does_not_carry_a_query_string_into_next(world, app):
    client = Recorder(app.test_client())
    response = client.request("get", "/kommune/borgere?q=1503481234")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fkommune%2Fborgere"
    citizen = client.request("get", "/borger/?x=150348-1234")
    assert citizen.headers["Location"].startswith("/login/borger?next=%2Fborger%2F")
    assert not any(CPR_DIGITS.search(location) for location in client.seen if location.startswith("/login"))
