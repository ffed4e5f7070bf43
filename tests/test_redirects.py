"""A `next` target (after the staff login, the citizen login, the language switch) leads to a path on this site,
whatever a stranger puts in it, and never gives a 500."""
from __future__ import annotations

import pytest

from stomi_app.redirects import local_target
from tests import factories

NASTY = [
    "/\t/evil.example",             # browsers drop the tab: //evil.example
    "/%09/evil.example",            # the same, percent-encoded inside the value
    "/\n/evil.example",
    "/\r\nSet-Cookie: stolen=1",    # would split the Location header
    "/%0d%0aSet-Cookie:stolen=1",
    "/\\evil.example",              # browsers read a backslash as a slash
    "\\\\evil.example",
    "/%5Cevil.example",
    "//evil.example",
    "///evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "evil.example",
    " /admin/",
    "/ /evil.example",
    "/\u202e/elpmaxe.live",         # a right-to-left override
    "/\x00",
    "/" + "a" * 5000,
    "",
]
GOOD = ["/admin/revision", "/katalog/?q=pose&side=2", "/tilgaengelighed", "/katalog/æble"]


@pytest.mark.parametrize("value", NASTY)
def test_the_helper_refuses(value):
    assert local_target(value, "/start") == "/start"


@pytest.mark.parametrize("value", GOOD)
def test_the_helper_keeps_a_local_path(value):
    assert local_target(value, "/start") == value


@pytest.mark.parametrize("value", NASTY)
def test_staff_login_never_leaves_the_site(world, app, value):
    response = app.test_client().post("/login", query_string={"next": value},
                                      data={"email": "admin@test.dk", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("value", NASTY)
def test_citizen_login_never_leaves_the_site(world, app, value):
    response = app.test_client().post("/login/borger", query_string={"next": value}, data={"cpr": "150348-1234"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/borger/"


@pytest.mark.parametrize("value", NASTY)
def test_language_switch_never_leaves_the_site(app, client, value):
    response = client.post("/sprog", data={"lang": "en", "next": value})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_local_next_is_followed(world, app, client):
    login = app.test_client().post("/login", query_string={"next": "/admin/revision"},
                                   data={"email": "admin@test.dk", "password": factories.PASSWORD})
    assert login.headers["Location"] == "/admin/revision"
    switch = client.post("/sprog", data={"lang": "da", "next": "/katalog/?q=pose&side=2"})
    assert switch.headers["Location"] == "/katalog/?q=pose&side=2"
