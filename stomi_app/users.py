"""Creating staff accounts with the rules for each role's binding (municipality, region)."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from stomi_app.extensions import db
from stomi_app.models import Municipality, Region, Role, User

MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    pass


def create_staff_user(*, email: str, name: str, role: str | Role, password: str, municipality_code: int | None = None,
                      region_code: int | None = None, workplace: str | None = None) -> User:
    role = Role(role)
    if role is Role.CITIZEN:
        raise UserError("citizens are not staff users")
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UserError(f"invalid e-mail: {exc}") from exc
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise UserError(f"a user with e-mail {email} exists")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    municipality = region = None
    if municipality_code is not None:
        municipality = db.session.scalar(select(Municipality).where(Municipality.code == municipality_code))
        if municipality is None:
            raise UserError(f"unknown municipality code {municipality_code}")
    if region_code is not None:
        region = db.session.scalar(select(Region).where(Region.code == region_code))
        if region is None:
            raise UserError(f"unknown region code {region_code}")
    if role is Role.GRANT_OFFICER and municipality is None:
        raise UserError("a grant officer must be bound to a municipality (--municipality)")
    if role is Role.MUNICIPAL_MANAGER and municipality is None:
        raise UserError("a municipal manager must be bound to a municipality (--municipality)")
    if role is Role.NURSE and municipality is None and region is None:
        raise UserError("a nurse works at a municipality (--municipality) or a hospital of a region (--region)")
    user = User(email=email, name=name.strip(), role=role, municipality=municipality, region=region,
                workplace=workplace or (municipality.name if municipality else None))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
