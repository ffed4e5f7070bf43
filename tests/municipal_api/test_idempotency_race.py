"""The same Idempotency-Key sent many times at once (a client retrying on a timeout): one grant, one answer."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from stomi_app.extensions import db
from stomi_app.models import ApiIdempotentAnswer
from grants.models import Grant
from tests.municipal_api.conftest import Caller
from stomi_app.models import ApiIdempotentAnswer
from grants.models import Grant
from tests.fixtures.api import Caller
from tests.municipal_api.test_grants_api import body
from tests.ordering.test_races import _at_once

pytestmark = [pytest.mark.committing, pytest.mark.skipif(not os.environ.get("STOMI_TEST_DATABASE_URL"), reason="concurrent writers need PostgreSQL")]


def test_the_same_key_at_once_makes_one_grant(app, api, shop):
    calls = [lambda: Caller(app.test_client(), api.token).post("/api/v1/grants", body(), key="retry-storm")
             for _ in range(6)]
    answers = _at_once(*calls)
    assert all(not isinstance(a, Exception) for a in answers), answers
    assert {a.status_code for a in answers} == {201}
    assert len({a.get_data() for a in answers}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Grant.id))) == 1
    assert db.session.scalar(select(func.count(ApiIdempotentAnswer.id))) == 1


def test_decisions_for_one_citizen_at_once_wait_their_turn(app, api, shop):
    """Different keys, one citizen: each grant is made in turn (the citizen's lock first), none deadlocks into a 503."""
    calls = [lambda i=i: Caller(app.test_client(), api.token).post("/api/v1/grants", body(reason=f"Grant {i}"),
                                                                   key=f"nexus-{i}") for i in range(5)]
    answers = _at_once(*calls)
    assert [getattr(a, "status_code", a) for a in answers] == [201] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Grant.id))) == 5
