"""Health check, security headers, language switch, layout."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import OperationalError

from stomi_app.extensions import db


def test_healthz_ok(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_fails(client, app, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("down"))

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"


def test_security_headers(client, app):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_layout_has_landmarks_footer_and_accessibility_link(client, app):
    html = client.get("/").get_data(as_text=True)
    assert '<main id="main-content"' in html and "<footer>" in html
    assert "07:00–16:00" in html
    assert 'href="/tilgaengelighed"' in html
    assert client.get("/tilgaengelighed").status_code == 200


def test_danish_is_default_and_language_switch_is_remembered(client, app):
    assert '<html lang="da">' in client.get("/").get_data(as_text=True)
    response = client.post("/sprog", data={"lang": "en", "next": "/tilgaengelighed"})
    assert response.headers["Location"] == "/tilgaengelighed"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in as citizen" in html
    client.post("/sprog", data={"lang": "da"})
    assert "Log ind som borger" in client.get("/").get_data(as_text=True)


def test_unknown_language_and_foreign_next_are_ignored(client, app):
    response = client.post("/sprog", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="da">' in client.get("/").get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(client, app):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.get_data(as_text=True)


def test_dkfds_assets_are_served(client, app):
    assert client.get("/static/dkfds/css/dkfds-borgerdk.min.css").status_code == 200
    assert client.get("/static/dkfds/js/dkfds.min.js").status_code == 200


def test_a_period_is_written_from_its_first_to_its_last_day(app):
    """Grant periods end the day before the next one starts; people read the last day, not an exclusive end."""
    from datetime import date

    from flask_babel import force_locale

    from stomi_app.web import period_range

    with app.test_request_context():
        with force_locale("da"):
            assert period_range(date(2026, 12, 1), date(2026, 12, 31)) == "1.–31. dec. 2026"
            assert period_range(date(2026, 12, 1), date(2027, 2, 28)) == "1. dec. 2026–28. feb. 2027"
        with force_locale("en"):
            assert period_range(date(2026, 1, 1), date(2026, 12, 31)) == "Jan 1\u2009–\u2009Dec 31, 2026"  # thin spaces
