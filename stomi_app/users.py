"""Staff accounts: creating and changing them with the rules for each role's workplace, deactivating, unlocking."""
from __future__ import annotations

import secrets

from sqlalchemy import func, or_, select

from stomi_app import audit
from stomi_app.auth import sessions
from stomi_app.auth.passwords import PasswordRejected, check_password
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import Hospital, Municipality, Region, Role, User
from stomi_app.userinput import normalised_email

# Roles whose workplace decides what they see: a grant officer's and a municipal manager's municipality, a nurse's
# municipality or region (care.nursing scopes her citizens by it).
MUNICIPALITY_ROLES = (Role.GRANT_OFFICER, Role.MUNICIPAL_MANAGER)


class UserError(DomainError):
    """An account could not be created or changed; `errors` maps the form's field names to messages."""


def _workplace(role: Role, municipality_code: int | None, region_code: int | None, hospital_id: int | None = None, *,
               current: User | None = None) -> tuple[Municipality | None, Region | None, Hospital | None]:
    """The municipality, region and hospital `role` is bound to, by the rules for each role; raises UserError. A
    hospital nurse is bound to a hospital (an active one, or the one she already has) and her region follows from it;
    a region without a hospital (the command line's and older callers' way) stays possible."""
    errors = {}
    municipality = region = hospital = None
    if municipality_code is not None:
        municipality = db.session.scalar(select(Municipality).where(Municipality.code == municipality_code))
        if municipality is None:
            errors["municipality"] = _l("Unknown municipality code %(code)s.", code=municipality_code)
    if hospital_id is not None:
        hospital = db.session.get(Hospital, hospital_id)
        if hospital is None or not (hospital.active or (current is not None and current.hospital_id == hospital.id)):
            errors["hospital"] = _l("Choose a hospital from the list.")
        else:
            region = hospital.region
    elif region_code is not None:
        region = db.session.scalar(select(Region).where(Region.code == region_code))
        if region is None:
            errors["region"] = _l("Unknown region code %(code)s.", code=region_code)
    if errors:
        raise UserError(errors)
    if role in MUNICIPALITY_ROLES:
        if municipality is None:
            raise UserError({"municipality": _l("A grant officer or municipal manager works for one municipality: choose it.")})
        return municipality, None, None
    if role is Role.NURSE:
        if (municipality is None) == (region is None):
            raise UserError({"municipality": _l(
                "A stoma nurse works at a municipality or at a hospital of a region: choose one of the two.")})
        return municipality, region, hospital
    return None, None, None  # the callcenter, the warehouse and the FSC work for every municipality


def _workplace_text(municipality: Municipality | None, hospital: Hospital | None, workplace: str | None) -> str | None:
    """What the pages show as the workplace: the hospital's name, else the text given, else the municipality's name."""
    if hospital is not None:
        return hospital.name
    return (workplace or "").strip() or (municipality.name if municipality else None)


def _normalised_email(email: str, *, other_than: User | None = None) -> str:
    email = normalised_email(email)
    if email is None:
        raise UserError({"email": _l("That is an invalid e-mail address.")})
    email = email.lower()
    clash = select(User.id).where(func.lower(User.email) == email)
    if other_than is not None:
        clash = clash.where(User.id != other_than.id)
    if db.session.scalar(clash):
        raise UserError({"email": _l("A staff account with this e-mail address already exists.")})
    return email


def _staff_role(role) -> Role:
    try:
        role = Role(role)
    except ValueError:
        role = None
    if role is None or role is Role.CITIZEN:
        raise UserError({"role": _l("Choose the staff role.")})
    return role


def create_staff_user(*, email: str, name: str, role: str | Role, password: str | None, municipality_code: int | None = None,
                      region_code: int | None = None, workplace: str | None = None, actor: User | None = None,
                      hospital_id: int | None = None) -> User:
    """A staff account. `password=None` (the administration's way): the account gets an unusable random password
    and its owner chooses one through the link sent to them (stomi_app.auth.links)."""
    role = _staff_role(role)
    email = _normalised_email(email)
    if not (name or "").strip():
        raise UserError({"name": _l("Enter the person's name.")})
    municipality, region, hospital = _workplace(role, municipality_code, region_code, hospital_id)
    if password is not None:
        try:
            check_password(password, email=email, name=name)
        except PasswordRejected as exc:
            raise UserError({"password": exc.message}) from exc
    user = User(email=email, name=name.strip(), role=role, municipality=municipality, region=region, hospital=hospital,
                workplace=_workplace_text(municipality, hospital, workplace))
    user.set_password(password if password is not None else secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "user-create", "user administration", subject=user, detail=describe(user))
    return user


def describe(user: User) -> str:
    """The account's role and workplace as the history shows them."""
    parts = [f"role={user.role.value}"]
    if user.municipality:
        parts.append(f"municipality={user.municipality.code} {user.municipality.name}")
    if user.region:
        parts.append(f"region={user.region.code} {user.region.name}")
    if user.hospital:
        parts.append(f"hospital={user.hospital.id}")
    if user.workplace:
        parts.append(f"workplace={user.workplace}")
    return ", ".join(parts)


def change_staff_user(actor: User, user: User, *, name: str, email: str, role: str | Role,
                      municipality_code: int | None, region_code: int | None = None, workplace: str | None = None,
                      hospital_id: int | None = None) -> bool:
    """Change an account's name, e-mail, role and workplace; returns whether anything changed. A change of role or
    workplace changes what the person may see, so their open sessions end (they log in to the new access)."""
    role = _staff_role(role)
    email = _normalised_email(email, other_than=user)
    if not (name or "").strip():
        raise UserError({"name": _l("Enter the person's name.")})
    if user.id == actor.id and role is not user.role:
        raise UserError({"role": _l("You cannot change your own role: another administrator must do it.")})
    municipality, region, hospital = _workplace(role, municipality_code, region_code, hospital_id, current=user)
    if workplace is None and hospital is None and municipality is not None and municipality.id == user.municipality_id:
        workplace = user.workplace  # a form without the text keeps what the account had
    before = (describe(user), user.name, user.email)
    access_before = (user.role, user.municipality_id, user.region_id)
    user.name, user.email, user.role = name.strip(), email, role
    user.municipality, user.region, user.hospital = municipality, region, hospital
    user.workplace = _workplace_text(municipality, hospital, workplace)
    db.session.flush()
    after = (describe(user), user.name, user.email)
    if after == before:
        return False
    if (user.role, user.municipality_id, user.region_id) != access_before:
        sessions.end_all(user)
    audit.record(actor, "user-change", "user administration", subject=user,
                 detail=f"{before[0]} -> {after[0]}; name={user.name}; e-mail={user.email}")
    return True


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (every open session ends at once: the next request is refused) or reactivate an account."""
    if user.id == actor.id and not active:
        raise UserError({"account": _l("You cannot deactivate your own account.")})
    if user.active == active:
        return
    user.active = active
    if not active:
        sessions.end_all(user)
    db.session.flush()
    audit.record(actor, "user-activate" if active else "user-deactivate", "user administration", subject=user)


def search_staff(query: str | None = None, *, role: Role | None = None, include_inactive: bool = True):
    """The statement for staff accounts matching part of a name or e-mail, by name."""
    statement = select(User).order_by(func.lower(User.name), User.id)
    text = (query or "").strip().lower()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        statement = statement.where(or_(func.lower(User.name).like(like, escape="\\"),
                                        func.lower(User.email).like(like, escape="\\")))
    if role is not None:
        statement = statement.where(User.role == role)
    if not include_inactive:
        statement = statement.where(User.active.is_(True))
    return statement
