"""A database outage: every page answers 503 with a static page (callcenter number, Retry-After), the API and the health
check answer JSON, nothing is a 500, and the app recovers by itself when the database is back."""
from __future__ import annotations

import json
import logging
import socket
import threading
from contextlib import suppress

import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from fulfilment.signing import SIGNATURE_HEADER, sign
from stomi_app.extensions import db
from stomi_app.outage import RETRY_AFTER_SECONDS
from tests import factories
from tests.fixtures.app import Auth, make_app

CPR = "1503481234"  # the world's citizen: must never reach the log
CLOSED_PORT = "postgresql+psycopg://postgres@127.0.0.1:1/x"


# The broken app is a second app of the factory: its session must not be the test's rolled-back connection.
pytestmark = pytest.mark.committing

@pytest.fixture(params=["postgresql", "sqlite"])
def down(request, instance_dir, tmp_path):
    """An app whose database cannot be reached: a closed port, or a SQLite file in a directory that does not exist."""
    url = CLOSED_PORT if request.param == "postgresql" else f"sqlite:///{tmp_path / 'missing' / 'stomi.sqlite'}"
    return make_app(url)


def carried_over(real_client, down_app):
    """A client of the broken app holding the session cookie a person got from the working one (same secret key)."""
    client = down_app.test_client()
    cookie = real_client.get_cookie("session")
    assert cookie is not None, "the login gave no session cookie"
    client.set_cookie("session", cookie.value)
    return client


def assert_outage_page(response, lang="da"):
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html[:500]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    assert f'<html lang="{lang}">' in html and "<main" in html and "<h1>" in html
    assert "/static/dkfds/css/dkfds-borgerdk.min.css" in html
    assert "70 20 30 40" in html and "07:00–16:00" in html
    heading = {"da": "Tjenesten er midlertidigt utilgængelig", "en": "The service is temporarily unavailable"}[lang]
    assert f"<h1>{heading}</h1>" in html
    assert "Traceback" not in html and "OperationalError" not in html and "127.0.0.1" not in html


def test_public_pages_while_the_database_is_down(down, caplog):
    client = down.test_client()
    # The front page needs nothing from the database for an anonymous visitor and still works.
    assert client.get("/").status_code == 200
    with caplog.at_level(logging.WARNING, logger="stomi.outage"):
        assert_outage_page(client.post("/login/borger", data={"cpr": CPR}))
        assert_outage_page(client.post("/login", data={"email": "agent@test.dk", "password": "x"}))
    lines = [r.getMessage() for r in caplog.records if r.name == "stomi.outage"]
    assert len(lines) == 2 and all("database unavailable" in line for line in lines)
    assert not any(CPR in line or "agent@test.dk" in line for line in lines)
    assert not any(r.exc_info for r in caplog.records if r.name == "stomi.outage")


def test_logged_in_citizen_gets_the_page_in_the_chosen_language(down, app, client, world):
    Auth(client).citizen(CPR)
    danish = carried_over(client, down)
    assert_outage_page(danish.get("/borger/"))
    assert_outage_page(danish.get("/"))  # the front page redirects a logged-in person: it loads the user
    assert_outage_page(danish.get("/no-such-page"))  # the 404 page's layout loads the user too
    client.post("/sprog", data={"lang": "en"})  # stored in the session cookie (and on the citizen)
    english = carried_over(client, down)
    assert_outage_page(english.get("/borger/"), lang="en")


def test_logged_in_staff_page(down, app, client, world):
    Auth(client).staff("agent@test.dk")
    staff = carried_over(client, down)
    assert_outage_page(staff.get("/callcenter/"))
    with staff.session_transaction() as session:
        session["lang"] = "en"
    assert_outage_page(staff.get("/callcenter/"), lang="en")


def test_health_check_and_json_api_answer_json(down, app, client, world):
    for http in (down.test_client(), None):
        if http is None:  # again with a session cookie, so the user loader meets the outage first
            Auth(client).staff("admin@test.dk")
            http = carried_over(client, down)
        health = http.get("/healthz")
        assert (health.status_code, health.json) == (503, {"status": "error", "database": "unavailable"})
        assert health.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        body = json.dumps({"event_id": "e1", "type": "picked", "order_number": "0000001"}).encode()
        api = http.post("/api/v1/fulfilment/events", data=body, headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(down.config["LOGISTICS_SECRET"], body)})
        assert (api.status_code, api.is_json, api.json["error"]) == (503, True, "unavailable"), api.data[:300]
        assert api.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    # Without a session (as the provider calls it) the document needs no database.
    assert down.test_client().get("/api/v1/openapi.json").status_code == 200


def test_failing_commit_is_an_outage_not_a_500(app, client, world, monkeypatch):
    Auth(client).citizen(CPR)

    def lost(*args, **kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    # Changing the language stores it on the logged-in citizen: the one commit of the request fails.
    monkeypatch.setattr(db.session, "commit", lost)
    response = client.post("/sprog", data={"lang": "en"})
    # The session already says English when the commit fails, so the outage page is English.
    assert_outage_page(response, lang="en")


@pytest.mark.committing
def test_recovers_without_a_restart(instance_dir, tmp_path):
    folder = tmp_path / "later"
    app = make_app(f"sqlite:///{folder / 'stomi.sqlite'}")
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    assert_outage_page(client.post("/login/borger", data={"cpr": CPR}))
    folder.mkdir()  # the database comes back
    with app.app_context():
        upgrade()
        factories.world()
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    login = client.post("/login/borger", data={"cpr": CPR})
    assert login.status_code == 302 and client.get("/borger/").status_code == 200


class CuttableLink:
    """A TCP relay to the test database that can be cut (every open connection dropped, new ones refused) and
    restored on the same port: a database restart as the app's pooled connections see it."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.sockets: list[socket.socket] = []
        self.listener = self._listen(0)
        self.port = self.listener.getsockname()[1]

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with suppress(OSError):  # wakes the accepting thread (a close alone leaves it listening on Linux)
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()

    def restore(self) -> None:
        self.listener = self._listen(self.port)


@pytest.mark.committing
def test_postgresql_restart_is_an_outage_and_then_recovered(app, client, world, database_url):
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (STOMI_TEST_DATABASE_URL)")
    link = CuttableLink(url.host or "127.0.0.1", url.port or 5432)
    try:
        relayed = make_app(url.set(host="127.0.0.1", port=link.port).render_as_string(hide_password=False))
        Auth(client).citizen(CPR)
        citizen = carried_over(client, relayed)
        assert citizen.get("/borger/").status_code == 200  # the pool now holds a live connection
        link.cut()
        assert_outage_page(citizen.get("/borger/"))
        assert relayed.test_client().get("/healthz").status_code == 503
        link.restore()
        assert citizen.get("/borger/").status_code == 200
        assert relayed.test_client().get("/healthz").json == {"status": "ok", "database": "ok"}
        with relayed.app_context():
            db.engine.dispose()
    finally:
        link.cut()
