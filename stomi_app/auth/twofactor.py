"""Staff's second factor: TOTP (RFC 6238, pyotp) enrolled with a QR code, one-time recovery codes, per-role policy."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, select

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import RecoveryCode, Role, TwoFactorPolicy, User
from stomi_app import audit

ISSUER = "Stomiforsyning"
# A code is accepted for the time step it belongs to and one step either side: 30 s of clock drift between the
# phone and the server, and the time it takes to type (NIST 800-63B 5.1.4.2 leaves the window to the verifier).
VALID_WINDOW = 1
STEP_SECONDS = 30
RECOVERY_CODES = 10
# 16 characters of Crockford-like base32 without look-alikes (0/O, 1/I/L): 80 bits per code.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
STAFF_ROLES = tuple(role for role in Role if role is not Role.CITIZEN)


class TwoFactorError(ValueError):
    """A code was refused; `code` says why (wrong_code, not_enrolled)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- the policy -------------------------------------------------------------------------------------------------

def required_for(role: Role) -> bool:
    """Whether staff of `role` must sign in with a second factor: the FSC administrator's decision, else the default."""
    decided = db.session.get(TwoFactorPolicy, role)
    if decided is not None:
        return decided.required
    return role.value in current_app.config["TWO_FACTOR_DEFAULT_ROLES"]


def policy() -> list[tuple[Role, bool, TwoFactorPolicy | None]]:
    """Every staff role with whether it is required and the decision behind it (None: the configured default)."""
    decided = {row.role: row for row in db.session.scalars(select(TwoFactorPolicy))}
    return [(role, required_for(role), decided.get(role)) for role in STAFF_ROLES]


def set_required(actor: User, role: Role, required: bool) -> bool:
    """Record the administrator's decision for `role`; returns whether anything changed. Audited by the caller's
    request (the caller commits)."""
    role = Role(role)
    if role is Role.CITIZEN:
        raise ValueError("citizens sign in through NemLog-in, not with a staff second factor")
    before = required_for(role)
    row = db.session.get(TwoFactorPolicy, role)
    if row is None:
        row = TwoFactorPolicy(role=role, required=required)
        db.session.add(row)
    row.required, row.changed_at, row.changed_by_id = required, utcnow(), actor.id
    db.session.flush()
    if before != required:
        audit.record(actor, "2fa-policy", "user administration",
                     detail=f"role={role.value} required={'yes' if required else 'no'}")
    return before != required


# --- the secret -------------------------------------------------------------------------------------------------

def _key() -> bytes:
    """An AES key derived from the app's secret key for the TOTP secrets alone (after a new STOMI_SECRET_KEY the
    administrator resets each person's second factor and they enrol again; README)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"stomi totp secret").derive(
        current_app.config["SECRET_KEY"].encode())


def _encrypt(secret: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_key()).encrypt(nonce, secret.encode(), b"totp")


def enrol_with_secret(user: User, secret: str) -> None:
    """Enrol `user` with a given secret, no confirmation: for the demo's published test user only."""
    pyotp.TOTP(secret).now()  # refuses what is not base32
    user.totp_secret_encrypted, user.totp_confirmed_at, user.totp_last_step = _encrypt(secret), utcnow(), None
    db.session.flush()


def secret_of(user: User) -> str | None:
    if user.totp_secret_encrypted is None:
        return None
    try:
        blob = user.totp_secret_encrypted
        return AESGCM(_key()).decrypt(blob[:12], blob[12:], b"totp").decode()
    except InvalidTag:  # encrypted under an earlier secret key: as good as no secret
        return None


def begin_enrolment(user: User) -> str:
    """The secret the person's app is to learn: a new one, or the one already shown when enrolment is under way
    (a reload shows the same QR code). Refused once enrolled: a second secret would need the first factor again."""
    if user.two_factor_enrolled:
        raise TwoFactorError("already_enrolled")
    secret = secret_of(user)
    if secret is None:
        secret = pyotp.random_base32()  # 160 bits, RFC 4226's recommendation
        user.totp_secret_encrypted = _encrypt(secret)
        db.session.flush()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code in an SVG data URI (the CSP allows data: images; no script, no route)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _step(for_time: float | None = None) -> int:
    return int((time.time() if for_time is None else for_time) // STEP_SECONDS)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step within the window whose code is `code` and that is later than the last one used, or None."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = _step()
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Finish enrolment with a code from the person's app; returns the recovery codes to show once."""
    secret = secret_of(user)
    if user.two_factor_enrolled or secret is None:
        raise TwoFactorError("not_enrolling")
    step = _matching_step(secret, code, None)
    if step is None:
        raise TwoFactorError("wrong_code")
    user.totp_confirmed_at, user.totp_last_step = utcnow(), step
    return new_recovery_codes(user)


def verify(user: User, code: str) -> str:
    """Check a sign-in code: a TOTP code not used before, or an unused recovery code (then spent). Returns which
    ("totp" or "recovery"); raises TwoFactorError("wrong_code"). The caller counts failures toward the lock-out."""
    secret = secret_of(user)
    if not user.two_factor_enrolled or secret is None:
        raise TwoFactorError("not_enrolled")
    step = _matching_step(secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return "totp"
    recovery = db.session.scalar(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code),
                                   RecoveryCode.used_at.is_(None)).with_for_update())
    if recovery is None:
        raise TwoFactorError("wrong_code")
    recovery.used_at = utcnow()
    return "recovery"


# --- recovery codes ---------------------------------------------------------------------------------------------

def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"recovery:" + _normalise_recovery(code).encode(),
                    hashlib.sha256).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; only their hashes are kept, so these are shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def reset(user: User) -> None:
    """Forget the user's second factor (a lost phone): at the next sign-in they enrol again if their role needs it."""
    user.totp_secret_encrypted = user.totp_confirmed_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()

