"""One commit per request: a view's work is saved when it answers with success and never when it refuses or fails."""
from __future__ import annotations

import pytest
from flask import abort, redirect
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from stomi_app import transaction
from stomi_app.extensions import db
from stomi_app.models import Region
from tests.fixtures.app import make_app

# A second app of the factory answers the requests: its commits are seen on another connection.
pytestmark = pytest.mark.committing


@pytest.fixture
def routes(app, database_url):
    """An app of the real factory (same database) with views that write a region and answer in each way."""
    probe = make_app(database_url)

    def write(code: int) -> None:
        db.session.add(Region(code=code, name=f"Region {code}"))
        db.session.flush()

    @probe.post("/t/ok")
    def ok():
        write(1)
        return "saved"

    @probe.post("/t/redirect")
    def moved():
        write(2)
        return redirect("/")

    @probe.post("/t/refused")
    def refused():
        write(3)
        return "the form again", 422

    @probe.post("/t/raises")
    def raises():
        write(4)
        raise RuntimeError("a bug")

    @probe.post("/t/aborts")
    def aborts():
        write(5)
        abort(404)

    @probe.post("/t/discarded")
    def discarded():
        write(6)
        transaction.discard()
        return redirect("/")

    @probe.post("/t/kept")
    def kept():
        write(7)
        transaction.discard()
        write(8)
        transaction.keep()
        return "refused, the attempt counted", 422

    @probe.post("/t/commit-fails")
    def commit_fails():
        write(9)
        # A commit the database refuses (here: a second region with the same code, found only at commit time).
        db.session.add(Region(code=9, name="twin"))
        return "saved"

    probe.config["PROPAGATE_EXCEPTIONS"] = False
    yield probe.test_client()


def _saved_codes(app) -> set[int]:
    with app.app_context():
        codes = set(db.session.scalars(select(Region.code)))
        db.session.remove()
        return codes


@pytest.mark.parametrize("path, status, saved", [
    ("/t/ok", 200, {1}),
    ("/t/redirect", 302, {2}),
    ("/t/refused", 422, set()),
    ("/t/raises", 500, set()),
    ("/t/aborts", 404, set()),
    ("/t/discarded", 302, set()),
    ("/t/kept", 422, {8}),
])
def test_the_answer_decides_what_is_saved(app, routes, path, status, saved):
    answer = routes.post(path)
    assert answer.status_code == status
    assert _saved_codes(app) == saved


def test_a_commit_that_fails_is_an_error_page_not_a_confirmation(app, routes):
    answer = routes.post("/t/commit-fails")
    assert answer.status_code == 500
    assert "saved" not in answer.get_data(as_text=True)
    assert _saved_codes(app) == set()


def test_a_database_outage_at_commit_is_the_outage_page(app, routes, monkeypatch):
    def lost(*_args, **_kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(db.session, "commit", lost)
    answer = routes.post("/t/ok")
    assert answer.status_code == 503
