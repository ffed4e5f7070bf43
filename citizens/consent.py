"""Consent per purpose: the purposes and their words declared once, giving and withdrawing each on its own (history
kept), and the gates that ask whether a purpose is consented to."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from stomi_app.audit import record
from stomi_app.db import utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models.citizen import Citizen
from citizens.consent_models import CitizenConsent, ConsentPurpose

# The consent texts the citizen agrees to; bump the version when the wording of PURPOSES changes.
CONSENT_TEXT_VERSION = "2026-2"
CONSENT_CHANGE_PURPOSE = "citizen: own consent"  # written as a literal below (tests/test_audit_purposes.py)


@dataclass(frozen=True)
class PurposeText:
    title: object
    meaning: object       # what the citizen agrees to, in plain words
    if_withdrawn: object  # what changes when the consent is withdrawn (or never given)


PURPOSES: dict[ConsentPurpose, PurposeText] = {
    ConsentPurpose.COURIER: PurposeText(
        _l("Your phone number to the driver"),
        _l("We give the logistics provider your phone number and e-mail with the delivery, so the driver can call "
           "you about it."),
        _l("The driver gets only your name, address and the parcel, not your phone number or e-mail. The driver "
           "cannot call you if they cannot find you."),
    ),
    ConsentPurpose.DISCHARGE: PurposeText(
        _l("Hospital and municipal stoma nurses share your clinical details"),
        _l("From your discharge on, the hospital's stoma nurses and your home municipality's stoma nurses may read "
           "each other's notes about your stoma and skin, so the nurse who helps you knows what the other found."),
        _l("Each nurse sees only the notes of her own side, hospital or municipality. Your stoma type, cutting "
           "measure and recommended products still pass, as your grant needs them."),
    ),
    ConsentPurpose.CALLCENTER_NOTES: PurposeText(
        _l("The callcenter may read the stoma nurses' notes"),
        _l("When you call, the callcenter agent may read the stoma nurses' clinical notes about you, so you need not "
           "tell everything again."),
        _l("The callcenter sees your orders, grant and cutting measure, but not the nurses' notes. The agent may "
           "transfer you to a stoma nurse instead."),
    ),
}

# Processing the law requires, so no consent is asked and none can be withdrawn (said on the consent page).
NO_CONSENT_NEEDED = (
    _l("Your municipality's decision on your grant, and the grant officer's follow-up on it (Social Services Act)."),
    _l("Your municipality's figures on what you use of your grant, month by month: they follow up on its own "
       "decision, and the municipality gets nothing about you beyond that."),
    _l("Delivery: your name, address and the products go to the logistics provider."),
    _l("The invoice to your municipality for your products and the FSC's services."),
    _l("Logging who looked at your data and why."),
)


class ConsentError(DomainError):
    """A consent form that cannot be saved; `errors` maps field → message."""


def _open(citizen_id: int) -> dict[ConsentPurpose, CitizenConsent]:
    rows = db.session.scalars(select(CitizenConsent).where(
        CitizenConsent.citizen_id == citizen_id, CitizenConsent.withdrawn_at.is_(None)))
    return {r.purpose: r for r in rows}


def current(citizen_id: int) -> dict[ConsentPurpose, CitizenConsent | None]:
    """Every purpose with its open consent record, or None when not given (or withdrawn)."""
    given = _open(citizen_id)
    return {p: given.get(p) for p in ConsentPurpose}


def has(citizen_id: int, purpose: ConsentPurpose) -> bool:
    """The gate: is this purpose consented to now? Asked by the query or service that would share the data."""
    return db.session.scalar(select(CitizenConsent.id).where(
        CitizenConsent.citizen_id == citizen_id, CitizenConsent.purpose == purpose,
        CitizenConsent.withdrawn_at.is_(None)).limit(1)) is not None


def history(citizen_id: int) -> list[CitizenConsent]:
    """Every consent period of the citizen, newest first (for "Mine data" and the export)."""
    return list(db.session.scalars(select(CitizenConsent).where(CitizenConsent.citizen_id == citizen_id)
                                   .order_by(CitizenConsent.given_at.desc(), CitizenConsent.id.desc())))


def parse_purposes(values) -> set[ConsentPurpose]:
    """The purposes ticked on the form; an unknown value is refused, never ignored."""
    chosen = set()
    for value in values:
        try:
            chosen.add(ConsentPurpose(value))
        except ValueError:
            raise ConsentError({"purposes": _l("Choose among the purposes listed.")}) from None
    return chosen


def set_consents(citizen: Citizen, chosen: set[ConsentPurpose], text_version: str = CONSENT_TEXT_VERSION
                 ) -> tuple[list[ConsentPurpose], list[ConsentPurpose]]:
    """Record the citizen's choice for every purpose, each on its own: a newly ticked purpose opens a record, an
    unticked one that was given is closed (withdrawn), the rest are left as they are. Audited as the citizen's own
    change. Returns (given, withdrawn)."""
    now = utcnow()
    given_now = _open(citizen.id)
    given, withdrawn = [], []
    for purpose in ConsentPurpose:
        row = given_now.get(purpose)
        if purpose in chosen and row is None:
            db.session.add(CitizenConsent(citizen_id=citizen.id, purpose=purpose, given_at=now, text_version=text_version))
            given.append(purpose)
        elif purpose not in chosen and row is not None:
            row.withdrawn_at = now
            withdrawn.append(purpose)
    # The courier purpose is also kept on the citizen (Citizen.has_consent), which the delivery instruction and the
    # callcenter's header read: one place to ask, the same answer as the record here.
    if ConsentPurpose.COURIER in given:
        citizen.consent_given_at, citizen.consent_withdrawn_at = now, None
        citizen.consent_text_version = text_version
    elif ConsentPurpose.COURIER in withdrawn:
        citizen.consent_withdrawn_at = now
    if given or withdrawn:
        record(citizen, "change", "citizen: own consent", citizen=citizen,
               detail="given: " + ",".join(p.value for p in given) + " | withdrawn: " + ",".join(p.value for p in withdrawn))
    db.session.flush()
    return given, withdrawn
