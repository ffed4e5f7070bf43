"""Small builders for test data, committed so the HTTP client sees them."""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import date, datetime, time

import time_machine
from sqlalchemy import select

from stomi_app import cpr
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen, StomaType
from stomi_app.models import Municipality, Role, User
from stomi_app.reference import load_municipalities
from stomi_app.timeutil import TZ, local_today
from stomi_app.users import create_staff_user

PASSWORD = "correct horse battery"
_counter = itertools.count(1)

STAFF = {
    Role.FSC_ADMIN: ("admin@test.dk", {}),
    Role.NURSE: ("nurse@test.dk", {"municipality_code": 751}),
    Role.GRANT_OFFICER: ("officer.aarhus@test.dk", {"municipality_code": 751}),
    Role.CALLCENTER: ("agent@test.dk", {}),
    Role.WAREHOUSE: ("warehouse@test.dk", {}),
}


@contextmanager
def decided_on(day: date):
    """Run a grant decision on `day` when that is in the past: a fixture's grant from 2026-01-01 was decided then, as it
    would have been in real life (the rules let a decision reach only MAX_MONTHS_BACK months back from its own day)."""
    if day >= local_today():
        yield
        return
    with time_machine.travel(datetime.combine(day, time(12), tzinfo=TZ), tick=False):
        yield


def municipality(code: int) -> Municipality:
    return db.session.scalar(select(Municipality).where(Municipality.code == code))


def user(role: Role, email: str | None = None, **kwargs) -> User:
    email = email or f"user{next(_counter)}@test.dk"
    return create_staff_user(email=email, name=f"Test {role.value}", role=role, password=PASSWORD, **kwargs)


def citizen(cpr_number: str | None = None, municipality_code: int = 751, name: str = "Test Borger", **kwargs) -> Citizen:
    n = next(_counter)
    digits = cpr.normalise(cpr_number or f"0101{50 + n % 40:02d}{n % 4}{n % 1000:03d}")
    c = Citizen(
        cpr_encrypted=cpr.encrypt(digits), cpr_hash=cpr.lookup_hash(digits), cpr_masked=cpr.mask(digits),
        name=name, address=kwargs.pop("address", "Testvej 1"), postcode="8000", city="Aarhus C",
        municipality=municipality(municipality_code), stoma_type=kwargs.pop("stoma_type", StomaType.COLOSTOMY), **kwargs,
    )
    db.session.add(c)
    db.session.flush()
    return c


def world() -> dict:
    load_municipalities(national=False)
    users = {role: user(role, email, **kw) for role, (email, kw) in STAFF.items()}
    users["officer_odense"] = user(Role.GRANT_OFFICER, "officer.odense@test.dk", municipality_code=461)
    users["citizen"] = citizen("1503481234", name="Birthe Nielsen")
    users["citizen_odense"] = citizen("0207562345", municipality_code=461, name="Jens Mikkelsen")
    db.session.commit()
    return users
