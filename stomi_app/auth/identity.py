"""How a citizen proves who they are: one interface, a demo provider now, NemLog-in later."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from stomi_app import cpr
from stomi_app.extensions import db
from stomi_app.models import Citizen


class CitizenIdentityProvider(Protocol):
    """Resolves a verified identity to a Citizen; NemLog-in will implement this with OIDC."""

    def resolve(self, cpr_number: str) -> Citizen | None: ...


class DemoIdentityProvider:
    """Development only: the citizen types a CPR number that exists in the database."""

    def resolve(self, cpr_number: str) -> Citizen | None:
        digits = cpr.normalise(cpr_number)
        return db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits)))
