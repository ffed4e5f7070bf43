"""Fixtures for the grant officer's portal: the tiny catalogue, Aarhus and Odense citizens, a logged-in officer."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from stomi_app.extensions import db
from stomi_app.models import AuditEvent
from grants.models import Grant
from tests.ordering.conftest import Shop, citizen, grant_for, line, measured, officer, shop  # noqa: F401

OFFICER_AARHUS = "officer.aarhus@test.dk"


@pytest.fixture
def foreign(world):
    """Jens Mikkelsen lives in Odense: an Aarhus officer must not see him."""
    return world["citizen_odense"]


@pytest.fixture
def logged_in(auth, world):
    response = auth.staff(OFFICER_AARHUS)
    assert response.status_code == 302
    return auth.client


def grant_count() -> int:
    return db.session.scalar(select(func.count(Grant.id)))


def audit_rows(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
