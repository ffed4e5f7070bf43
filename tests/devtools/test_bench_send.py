"""The bench's order measure is the citizen's real send: a prepared draft sent through gunicorn, confirmation shown."""
from __future__ import annotations

from datetime import date

import requests
import pytest
from sqlalchemy import select

from devtools.bench import http
from devtools.bench.runner import _prepare_sends, _send_draft
from stomi_app import cpr
from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from tests import factories
from tests.fixtures.grants import grant_for, line


@pytest.mark.committing
def test_a_prepared_draft_is_sent_through_the_pages_of_a_real_server(app, database_url, instance_dir, officer, citizen,
                                                                      shop, tmp_path):
    other = factories.citizen(name="Anden Borger")
    db.session.commit()
    for person in (citizen, other):
        grant_for(officer, person, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    # Two citizens prepared in one app context: each must get its own session's CSRF token, not the first one's.
    prepared = _prepare_sends(app, [(person.id, cpr.decrypt(person.cpr_encrypted), {str(shop.bag_a.id): 1})
                                    for person in (citizen, other)])
    env = {"STOMI_DATABASE_URL": database_url, "STOMI_INSTANCE_PATH": str(instance_dir)}
    with http.gunicorn(env, workers=1) as base:
        send = _send_draft(base, prepared, app.config["SESSION_COOKIE_NAME"])
        assert send(requests.Session(), 0, 0) is True  # CSRF checked by the server: the prepared token is valid there
        assert send(requests.Session(), 1, 0) is True
        assert requests.post(f"{base}/bench/ceiling", json={}, timeout=10).status_code == 200
    db.session.expire_all()
    orders = list(db.session.scalars(select(Order).where(Order.citizen_id.in_([citizen.id, other.id]))))
    assert [(o.status, [l.article_number for l in o.lines]) for o in orders] == [(OrderStatus.ACCEPTED, ["NL-100"])] * 2
