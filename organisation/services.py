"""The FSC administrator's organisation data: a municipality's invoicing identifiers and person reference, whether it
is in the solution, and its ordering rules."""
from __future__ import annotations

from sqlalchemy import func, select, update
from stdnum.dk import cvr as cvr_number

from invoicing.run import valid_gln
from stomi_app import audit
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import Hospital, Municipality, Region, User
from grants.models import OrderRules
from ordering.services import rules_for
from notices.reminders import REMINDER_DAYS_RANGE
from stomi_app.text import clean_text
from stomi_app.userinput import normalised_email

# What each ordering rule may be set to: wide enough for any municipality's practice, narrow enough that a typo
# (an extra digit) is caught before it lets a citizen order a year's supplies at once or blocks ordering for months.
REFERENCE_MAX = 100
CONTACT_NAME_MAX = 200
RULE_RANGES = {
    "intro_months": (0, 24),
    "intro_max_months_per_order": (1, 12),
    "max_months_per_order": (1, 12),
    "min_days_between_orders": (0, 90),
}


def _digits(value) -> str:
    return "".join(str(value or "").split())


def change_municipality(actor: User, municipality: Municipality, *, ean_gln: str, cvr: str, active: bool,
                        rules: dict[str, int | None], invoice_reference: str | None = None,
                        reminder_days_before: int | None = None, invoice_contact_name: str | None = None,
                        invoice_contact_email: str | None = None) -> bool:
    """Set the municipality's EAN/GLN (the invoice's electronic address: GS1 check digit), CVR (modulus 11), the person
    reference its invoices carry, whether it is in the solution, and its ordering rules; returns whether anything
    changed (audited with before → after)."""
    errors = {}
    ean_gln, cvr = _digits(ean_gln), _digits(cvr)
    reference = " ".join((invoice_reference or "").split()) or None
    if reference is not None and len(reference) > REFERENCE_MAX:
        errors["invoice_reference"] = _l("A reference has at most %(max)s characters.", max=REFERENCE_MAX)
    if not valid_gln(ean_gln):
        errors["ean_gln"] = _l("An EAN/GLN number has 13 digits and a valid check digit.")
    if not (len(cvr) == 8 and cvr.isascii() and cvr_number.is_valid(cvr)):
        errors["cvr"] = _l("A CVR number has 8 digits and a valid check digit.")
    for name, (low, high) in RULE_RANGES.items():
        value = rules.get(name)
        if value is None or not low <= value <= high:
            errors[name] = _l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
    contact_name = " ".join((invoice_contact_name or "").split()) or None
    if contact_name is not None and len(contact_name) > CONTACT_NAME_MAX:
        errors["invoice_contact_name"] = _l("A name has at most %(max)s characters.", max=CONTACT_NAME_MAX)
    contact_email = None
    if (invoice_contact_email or "").strip():
        contact_email = normalised_email(invoice_contact_email)
        if contact_email is None:
            errors["invoice_contact_email"] = _l("Enter an e-mail address like name@example.dk.")
    low, high = REMINDER_DAYS_RANGE
    if reminder_days_before is not None and not low <= reminder_days_before <= high:
        errors["reminder_days_before"] = _l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
    if not errors and rules["intro_max_months_per_order"] > rules["max_months_per_order"]:
        errors["intro_max_months_per_order"] = _l(
            "A new citizen cannot order for more months at once than every other citizen.")
    if errors:
        raise DomainError(errors)
    current = rules_for(municipality.id)
    before = _describe(municipality, current)
    row = db.session.get(OrderRules, current.id) if current.id is not None else None
    if row is None:
        row = OrderRules(municipality_id=municipality.id)
        db.session.add(row)
    for name in RULE_RANGES:
        setattr(row, name, rules[name])
    municipality.ean_gln, municipality.cvr, municipality.active = ean_gln, cvr, active
    municipality.invoice_reference = reference
    municipality.invoice_contact_name, municipality.invoice_contact_email = contact_name, contact_email
    if reminder_days_before is not None:
        municipality.reminder_days_before = reminder_days_before
    db.session.flush()
    after = _describe(municipality, row)
    if after == before:
        return False
    audit.record(actor, "municipality-change", "organisation administration",
                 detail=f"{municipality.code} {municipality.name}: {before} -> {after}")
    return True


def _describe(municipality: Municipality, rules: OrderRules) -> str:
    parts = [f"ean_gln={municipality.ean_gln}", f"cvr={municipality.cvr}", f"reference={municipality.invoice_reference or '-'}",
             f"invoice_contact={municipality.invoice_contact_name or '-'} <{municipality.invoice_contact_email or '-'}>",
             f"active={'yes' if municipality.active else 'no'}", f"reminder_days={municipality.reminder_days_before}"]
    parts += [f"{name}={getattr(rules, name)}" for name in RULE_RANGES]
    return ", ".join(parts)


HOSPITAL_NAME_MAX = 200


def _hospital_name(name: str | None, region: Region, *, other_than: Hospital | None = None) -> str:
    """The name cleaned (no control characters, single spaces); raises DomainError on none, too long, or one the region
    already has (whatever the case)."""
    name = " ".join(clean_text(name).split())
    if not name:
        raise DomainError({"name": _l("Enter the hospital's name.")})
    if len(name) > HOSPITAL_NAME_MAX:
        raise DomainError({"name": _l("A name has at most %(max)s characters.", max=HOSPITAL_NAME_MAX)})
    clash = select(Hospital.id).where(Hospital.region_id == region.id, func.lower(Hospital.name) == name.lower())
    if other_than is not None:
        clash = clash.where(Hospital.id != other_than.id)
    if db.session.scalar(clash):
        raise DomainError({"name": _l("%(region)s already has a hospital by that name.", region=region.name)})
    return name


def add_hospital(actor: User, *, region_code: int | None, name: str | None) -> Hospital:
    """A new (active) hospital of the region; audited."""
    region = db.session.scalar(select(Region).where(Region.code == region_code)) if region_code is not None else None
    if region is None:
        raise DomainError({"region": _l("Choose the region.")})
    hospital = Hospital(name=_hospital_name(name, region), region=region, active=True)
    db.session.add(hospital)
    db.session.flush()
    audit.record(actor, "hospital-change", "organisation administration",
                 detail=f"added {hospital.id} {hospital.name}, region={region.code} {region.name}")
    return hospital


def change_hospital(actor: User, hospital: Hospital, *, name: str | None, active: bool) -> bool:
    """Rename or (de)activate a hospital; its nurses' workplace follows the new name (an inactive hospital is not
    offered for new accounts, its nurses keep it). Returns whether anything changed (audited with before -> after)."""
    new_name = _hospital_name(name, hospital.region, other_than=hospital)
    before = f"name={hospital.name}, active={'yes' if hospital.active else 'no'}"
    hospital.name, hospital.active = new_name, bool(active)
    after = f"name={hospital.name}, active={'yes' if hospital.active else 'no'}"
    if after == before:
        return False
    db.session.execute(update(User).where(User.hospital_id == hospital.id).values(workplace=new_name)
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
    audit.record(actor, "hospital-change", "organisation administration",
                 detail=f"{hospital.id}, region={hospital.region.code}: {before} -> {after}")
    return True
