"""One-time links by e-mail for staff to choose a password: a new account's first, or a reset by the administrator."""
from __future__ import annotations

import hashlib
import logging

from flask import current_app
from flask_babel import force_locale, gettext as _, ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from stomi_app import audit
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.mail import MailError, send_mail
from stomi_app.models import User
from stomi_app.public_url import external_url

_SALT = "stomi staff password link"
log = logging.getLogger(__name__)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def password_fingerprint(user: User) -> str:
    """Part of the token: choosing a password changes the hash (a new salt even for the same password), so a
    link works once, and a link sent before the last change no longer works. The sign-in's step between password and
    second factor is bound to it the same way."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": password_fingerprint(user)})


def max_age_seconds() -> int:
    return current_app.config["PASSWORD_LINK_HOURS"] * 3600


class LinkError(Exception):
    """The link is no good; `code`: expired, invalid (tampered, or already used), inactive."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def user_for_token(token: str) -> User:
    """The account a link is for; raises LinkError when it expired, was used, was tampered with or the account was
    deactivated."""
    try:
        data = _serializer().loads(token or "", max_age=max_age_seconds())
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except BadSignature as exc:
        raise LinkError("invalid") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or data.get("p") != password_fingerprint(user):
        raise LinkError("invalid")
    if not user.active:
        raise LinkError("inactive")
    return user


def link_url(token: str) -> str:
    return external_url("auth.choose_password", token=token)


def send_link(actor: User, user: User, *, new_account: bool) -> None:
    """E-mail `user` a link to choose a password, in their language; audited. Raises DomainError when the mail
    server did not take the message (the caller's transaction then rolls back: nothing half done)."""
    url = link_url(make_token(user))
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    with force_locale(user.language or "da"):
        subject = _("Your account for the stoma supply service") if new_account else _("Choose a new password")
        text = "\n\n".join([
            _("Dear %(name)s", name=user.name),
            _("An account for the stoma supply service has been created for you. Choose your password with this link:")
            if new_account else _("The FSC secretariat has sent you a link to choose a new password:"),
            url,
            ngettext("The link works once and expires in %(num)d hour.",
                     "The link works once and expires in %(num)d hours.", hours)
            + " " + _("If you did not expect this e-mail, contact the FSC secretariat."),
        ]) + "\n"
    try:
        send_mail(user.email, subject, text)
    except MailError as exc:
        raise DomainError({"mail": _l("The e-mail could not be sent (%(reason)s). Nothing was changed; try again.",
                                      reason=str(exc)[:200])}) from exc
    audit.record(actor, "password-link-sent", "user administration", subject=user,
                 detail="new account" if new_account else "reset")


NOTICES = {
    "password": _l("Your password for the stoma supply service was changed."),
    "2fa-enrolled": _l("Sign-in with a code from an authenticator app was set up for your account."),
    "2fa-reset": _l("The FSC secretariat reset the second factor of your account: you set up a new one at your next login."),
}


def notify_change(user: User, what: str, *, to: str | None = None) -> None:
    """Tell the person by e-mail that their sign-in details changed (ASVS 5 V6.3.7), so a change they did not make is
    noticed; `to`: another address (the old one, when the e-mail address changed). Best effort: the change stands
    when the mail server is down (it is logged)."""
    with force_locale(user.language or "da"):
        notice = (_("The e-mail address of your account was changed to %(email)s.", email=user.email)
                  if what == "email" else str(NOTICES[what]))
        text = "\n\n".join([
            _("Dear %(name)s", name=user.name),
            notice,
            _("If it was not you, contact the FSC secretariat at once."),
        ]) + "\n"
        subject = _("Your sign-in for the stoma supply service was changed")
    try:
        send_mail(to or user.email, subject, text)
    except MailError as exc:
        log.warning("notice of a sign-in change not sent to user %s: %s", user.id, exc)
