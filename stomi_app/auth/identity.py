"""How a citizen proves who they are: one interface; NemLog-in (stomi_app.auth.saml) in production, a demo login in
development."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from stomi_app import cpr
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen


class CitizenIdentityProvider(Protocol):
    """Resolves a verified identity (a CPR number) to the Citizen registered with it, or None."""

    def resolve(self, cpr_number: str) -> Citizen | None: ...


def _by_cpr(cpr_number: str) -> Citizen | None:
    digits = cpr.normalise(cpr_number)
    return db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits)))


class DemoIdentityProvider:
    """Development only: the citizen types a CPR number that exists in the database."""

    def resolve(self, cpr_number: str) -> Citizen | None:
        return _by_cpr(cpr_number)


class NemLogInIdentityProvider:
    """The CPR number NemLog-in asserted (stomi_app.auth.saml has checked the assertion), looked up by keyed hash."""

    def resolve(self, cpr_number: str) -> Citizen | None:
        return _by_cpr(cpr_number)
