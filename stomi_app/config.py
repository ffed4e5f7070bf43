"""Configuration: zero-setup defaults, overridable by STOMI_* environment variables or `.env`."""
from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _instance_secret(instance_path: str, name: str, nbytes: int) -> str:
    """Return a secret kept in the instance folder, generating it on first use."""
    path = Path(instance_path) / name
    if not path.exists():
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


# The carriers of the current logistics contract and their public tracking pages.
DEFAULT_TRACKING_URLS = {"PostNord": "https://tracking.postnord.com/dk/?id={reference}",
                         "GLS": "https://gls-group.com/DK/da/find-pakke?match={reference}",
                         "DAO": "https://www.dao.as/find-pakke?stregkode={reference}"}

def _env(name: str, default=None):
    return os.environ.get(f"STOMI_{name}", default)


def _bool(value) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict) -> dict:
    database_url = (
        overrides.get("SQLALCHEMY_DATABASE_URI")
        or _env("DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'stomi.sqlite'}"
    )
    config = {
        "SECRET_KEY": _env("SECRET_KEY") or _instance_secret(instance_path, "secret_key", 32),
        # Separate keys: one encrypts CPR numbers (AES-GCM), one makes the look-up hash.
        "CPR_ENCRYPTION_KEY": _env("CPR_ENCRYPTION_KEY") or _instance_secret(instance_path, "cpr_key", 32),
        "CPR_HASH_KEY": _env("CPR_HASH_KEY") or _instance_secret(instance_path, "cpr_hash_key", 32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # pre-ping: a connection the server dropped (a restart) is replaced, not handed to a request. A host that
        # does not answer at all must cost a request seconds, not the kernel's two-minute TCP timeout: the request
        # then gets the outage page while the worker stays free.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **(
            {"connect_args": {"connect_timeout": int(_env("DATABASE_CONNECT_TIMEOUT", "5"))}}
            if database_url.startswith("postgresql") else {})},
        "BABEL_DEFAULT_LOCALE": "da",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "LANGUAGES": ["da", "en"],
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(_env("RATELIMIT_ENABLED", "1")),
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "20 per minute"),
        "LOGIN_MAX_FAILURES": int(_env("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCKOUT_MINUTES": int(_env("LOGIN_LOCKOUT_MINUTES", "15")),
        # Citizens log in through NemLog-in in production; the demo login is for development only.
        "DEMO_LOGIN_ENABLED": _bool(_env("DEMO_LOGIN_ENABLED", "1")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(_env("SESSION_COOKIE_SECURE", "0")),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(_env("SESSION_HOURS", "8"))),
        "WTF_CSRF_TIME_LIMIT": None,
        "STAFF_IDLE_MINUTES": int(_env("STAFF_IDLE_MINUTES", "30")),
        "CALLCENTER_PHONE": _env("CALLCENTER_PHONE", "70 20 30 40"),
        "CALLCENTER_HOURS": "07:00–16:00",
        # Where the accessibility statement's feedback link writes to (the statement's "Feedback og kontaktoplysninger").
        "ACCESSIBILITY_FEEDBACK_EMAIL": _env("ACCESSIBILITY_FEEDBACK_EMAIL", "tilgaengelighed@stomi.example.dk"),
        # Proxies in front of the app that set X-Forwarded-For/-Proto/-Host (the TLS-terminating one): 0 = none, trust
        # no forwarded header; 1 behind one proxy. Then request.is_secure and the client address are the real ones.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        # /metrics answers a monitoring system that sends this bearer token; without one, only this machine.
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        # Each carrier's public tracking page, "{reference}" standing for the parcel's number: set per logistics
        # contract (STOMI_TRACKING_URLS, JSON: {"carrier name": "https://…{reference}…"}); a carrier not listed gets
        # no link, only the number.
        "TRACKING_URLS": json.loads(_env("TRACKING_URLS", json.dumps(DEFAULT_TRACKING_URLS))),
        # Uploads (the catalogue's CSV import) beyond this get the 413 page before any parsing.
        "MAX_CONTENT_LENGTH": int(_env("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "AUDIT_RETENTION_DAYS": int(_env("AUDIT_RETENTION_DAYS", str(365 * 5))),
        # Fulfilment: the logistics provider's API, the HMAC secret shared with it both ways, and the
        # dispatcher's patience. The lease must outlast one request, or two dispatchers may send the
        # same row (harmless thanks to the idempotency key, but wasteful).
        "LOGISTICS_URL": _env("LOGISTICS_URL", "http://127.0.0.1:5050").rstrip("/"),
        "LOGISTICS_SECRET": _env("LOGISTICS_SECRET") or _instance_secret(instance_path, "logistics_secret", 32),
        "LOGISTICS_CONNECT_TIMEOUT": float(_env("LOGISTICS_CONNECT_TIMEOUT", "3.05")),
        "LOGISTICS_READ_TIMEOUT": float(_env("LOGISTICS_READ_TIMEOUT", "10")),
        "LOGISTICS_BACKOFF_SECONDS": float(_env("LOGISTICS_BACKOFF_SECONDS", "5")),
        "LOGISTICS_BACKOFF_MAX_SECONDS": float(_env("LOGISTICS_BACKOFF_MAX_SECONDS", "3600")),
        "LOGISTICS_LEASE_SECONDS": float(_env("LOGISTICS_LEASE_SECONDS", "60")),
        "LOGISTICS_BATCH_SIZE": int(_env("LOGISTICS_BATCH_SIZE", "100")),
        "LOGISTICS_CONCURRENCY": int(_env("LOGISTICS_CONCURRENCY", "4")),
        # Where the simulator (or a test) posts events back to the platform.
        "FULFILMENT_EVENTS_URL": _env("FULFILMENT_EVENTS_URL", "http://127.0.0.1:5000/api/v1/fulfilment/events"),
        # The logistics contract's promise in working days from acceptance to delivery.
        "DELIVERY_SLA_DAYS": int(_env("DELIVERY_SLA_DAYS", "2")),
        "DELIVERY_SLA_EXPRESS_DAYS": int(_env("DELIVERY_SLA_EXPRESS_DAYS", "1")),
        "DELIVERY_SLA_TARGET_PCT": int(_env("DELIVERY_SLA_TARGET_PCT", "95")),
        # Outgoing e-mail (stomi_app/mail.py). Without a host, mail is not sent but written to the log (development).
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(_env("SMTP_PORT", "25")),
        "SMTP_USERNAME": _env("SMTP_USERNAME"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool(_env("SMTP_STARTTLS", "0")),
        "SMTP_TIMEOUT": float(_env("SMTP_TIMEOUT", "10")),
        "MAIL_FROM": _env("MAIL_FROM", "Stomiforsyning <noreply@stomi.example.dk>"),
    }
    config.update(overrides)
    return config
