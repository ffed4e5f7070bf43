"""Fixtures for notices: the ordering fixtures, a citizen with an e-mail address, orders through the real rules."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from stomi_app.extensions import db
from ordering.services import new_draft, set_draft_lines, submit
from tests.nursing.conftest import nurse  # noqa: F401
from tests.ordering.conftest import citizen, grant_for, line, measured, officer, shop  # noqa: F401

CPH = ZoneInfo("Europe/Copenhagen")


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CPH)


def place(citizen, quantities: dict, day: date):
    """Send an order through the real ordering rules on `day` (Copenhagen noon) and commit."""
    with time_machine.travel(at(day), tick=False):
        order = new_draft(citizen)
        set_draft_lines(order, {v.id: q for v, q in quantities.items()})
        submit(order)
        db.session.commit()
    return order


@pytest.fixture
def emailed(citizen):
    citizen.email = "birthe@example.dk"
    db.session.commit()
    return citizen
