"""A stranger cannot tell a staff e-mail address from an unknown one: the same message, the same lock-out, and a
password hash checked every time (the work that made a real address take 171 ms and an unknown one 15 ms)."""
from __future__ import annotations

import re

import pytest

from stomi_app.auth import services
from tests import factories

KNOWN, UNKNOWN = "agent@test.dk", "nobody.here@test.dk"


def _message(response) -> str:
    """The page's error text, with the lock-out's end time taken out (the two attempts are seconds apart)."""
    html = response.get_data(as_text=True)
    match = re.search(r'data-testid="login-error">(.*?)</p>', html, re.S)
    assert match, html[:2000]
    return re.sub(r"\d{1,2}[.:]\d{2}", "HH:MM", re.sub(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", "DATE", match.group(1))).strip()


@pytest.fixture
def hash_checks(monkeypatch):
    """Every stored hash the login checked a password against."""
    checked: list[str] = []
    real = services.check_password_hash

    def spy(stored, password):
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    return checked


def test_unknown_address_and_wrong_password_read_the_same(world, auth):
    wrong = auth.staff(KNOWN, "not the password")
    unknown = auth.staff(UNKNOWN, "not the password")
    assert wrong.status_code == unknown.status_code == 422
    assert _message(wrong) == _message(unknown)


def test_the_lock_out_reads_the_same_for_an_unknown_address(world, app, auth):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(1, limit + 2):
        wrong, unknown = auth.staff(KNOWN, "not the password"), auth.staff(UNKNOWN, "not the password")
        assert wrong.status_code == unknown.status_code == 422
        assert _message(wrong) == _message(unknown), attempt
    locked = _message(auth.staff(UNKNOWN, "not the password"))
    assert "låst" in locked or "locked" in locked
    # The right password is refused alike while the lock lasts.
    assert _message(auth.staff(KNOWN, factories.PASSWORD)) == locked


def test_an_unknown_address_is_checked_against_a_stand_in_hash(world, auth, hash_checks):
    auth.staff(UNKNOWN, "whatever it is")
    assert hash_checks == [services.dummy_password_hash()]
    hash_checks.clear()
    auth.staff(KNOWN, "not the password")
    assert len(hash_checks) == 1 and hash_checks[0] != services.dummy_password_hash()


def test_a_locked_address_still_costs_one_hash_check(world, app, auth, hash_checks):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.staff(UNKNOWN, "not the password")
    hash_checks.clear()
    auth.staff(UNKNOWN, "not the password")
    assert len(hash_checks) == 1


def test_the_stand_in_uses_the_configured_hashing_method(app, ctx):
    method = app.config["PASSWORD_HASH_METHOD"]
    assert services.dummy_password_hash().startswith(method + "$")


def test_a_success_forgets_earlier_failures(world, app, auth):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        auth.staff(KNOWN, "not the password")
    assert auth.staff(KNOWN).status_code == 302
    auth.logout()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert auth.staff(KNOWN, "not the password").status_code == 422
    assert auth.staff(KNOWN).status_code == 302
