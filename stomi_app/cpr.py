"""CPR numbers: validation (python-stdnum), AES-GCM encryption at rest, keyed-hash look-up, masking."""
from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError


class InvalidCPR(ValueError):
    """The text is not a valid CPR number (ten digits forming a real birth date)."""


def normalise(value: str) -> str:
    """Return the ten digits of a valid CPR number or raise InvalidCPR.

    The modulus-11 check is deliberately not applied: CPR numbers issued since 2007 need not pass it.
    """
    if value is None:
        raise InvalidCPR("empty")
    digits = stdnum_cpr.compact(str(value))
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):  # "٠" and "²" are digits too
        raise InvalidCPR("format")
    try:
        stdnum_cpr.get_birth_date(digits)
    except (ValidationError, ValueError) as exc:
        raise InvalidCPR("date") from exc
    return digits


def mask(digits: str) -> str:
    return f"{digits[:6]}-****"


def _key(name: str) -> bytes:
    return bytes.fromhex(current_app.config[name])


def lookup_hash(digits: str, key: bytes | None = None) -> str:
    return hmac.new(key or _key("CPR_HASH_KEY"), digits.encode(), hashlib.sha256).hexdigest()


def encrypt(digits: str, key: bytes | None = None) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key or _key("CPR_ENCRYPTION_KEY")).encrypt(nonce, digits.encode(), b"cpr")


def decrypt(blob: bytes, key: bytes | None = None) -> str:
    return AESGCM(key or _key("CPR_ENCRYPTION_KEY")).decrypt(blob[:12], blob[12:], b"cpr").decode()
