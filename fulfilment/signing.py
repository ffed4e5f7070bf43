"""HMAC-SHA256 signatures over raw request bodies, shared by the platform, its provider and the simulator."""
from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Stomi-Signature"
_PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    return _PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a `sha256=<hex>` header against the body; a missing header never passes."""
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())
