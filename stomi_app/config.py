"""Configuration: zero-setup defaults, overridable by STOMI_* environment variables or `.env`."""
from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from stomi_app.logs import log_format, log_level


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


# Staff with access to citizens' health data, and the administrator who manages every account, sign in with a second
# factor unless the FSC administrator decides otherwise for a role (stomi_app.auth.twofactor.required_for).
PRODUCTION_TWO_FACTOR_ROLES = ("nurse", "grant_officer", "callcenter", "fsc_admin")


def _two_factor_roles() -> tuple[str, ...]:
    """STOMI_TWO_FACTOR_ROLES (comma-separated role names, "" for none); unset, the production set under
    STOMI_ENV=production and none in development, so the demo users sign in with their password alone."""
    value = _env("TWO_FACTOR_ROLES")
    if value is None:
        return PRODUCTION_TWO_FACTOR_ROLES if os.environ.get("STOMI_ENV", "").lower() == "production" else ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


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
        # hide_parameters: a failed statement's error (logged with its traceback) never shows the values it carried, a
        # citizen's name, address or note among them.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True, **(
            {"connect_args": {"connect_timeout": int(_env("DATABASE_CONNECT_TIMEOUT", "5"))}}
            if database_url.startswith("postgresql") else {})},
        "BABEL_DEFAULT_LOCALE": "da",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "LANGUAGES": ["da", "en"],
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(_env("RATELIMIT_ENABLED", "1")),
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "20 per minute"),
        # Per municipal API client (by its client id; a caller without a valid token by its address).
        "API_RATE_LIMIT": _env("API_RATE_LIMIT", "300 per minute"),
        "API_TOKEN_SECONDS": int(_env("API_TOKEN_SECONDS", "3600")),
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
        "TWO_FACTOR_DEFAULT_ROLES": _two_factor_roles(),
        # How long the step between password and second factor may take, and a password-reset link lives.
        "TWO_FACTOR_STEP_MINUTES": int(_env("TWO_FACTOR_STEP_MINUTES", "10")),
        "PASSWORD_LINK_HOURS": int(_env("PASSWORD_LINK_HOURS", "24")),
        # The address links in e-mails start with (the public https address in production); else the request's.
        "PUBLIC_URL": (_env("PUBLIC_URL") or "").rstrip("/"),
        "CALLCENTER_PHONE": _env("CALLCENTER_PHONE", "70 20 30 40"),
        "CALLCENTER_HOURS": "07:00–16:00",
        # Where the accessibility statement's feedback link writes to (the statement's "Feedback og kontaktoplysninger").
        "ACCESSIBILITY_FEEDBACK_EMAIL": _env("ACCESSIBILITY_FEEDBACK_EMAIL", "tilgaengelighed@stomi.example.dk"),
        # Proxies in front of the app that set X-Forwarded-For/-Proto/-Host (the TLS-terminating one): 0 = none, trust
        # no forwarded header; 1 behind one proxy. Then request.is_secure and the client address are the real ones.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        # Logs (stomi_app/logs.py): JSON lines by default in production, text elsewhere; STOMI_LOG_LEVEL, INFO.
        "LOG_FORMAT": log_format(),
        "LOG_LEVEL": log_level(),
        # Take the request id from the proxy's X-Request-ID header (when valid), so its log and ours share one id.
        # Trusted by default only behind a proxy, which must then set or overwrite the header on every request.
        "TRUST_REQUEST_ID": _bool(_env("TRUST_REQUEST_ID", "1" if int(_env("PROXY_COUNT", "0")) else "0")),
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
        # NemLog-in (SAML, stomi_app/auth/saml.py): on when the IdP's metadata is given (a file, or a URL for the
        # local test IdP). The SP's key and certificate (the OCES certificate registered with NemLog-in) are files;
        # without them development generates a self-signed pair into instance/ and production refuses to start.
        "SAML_IDP_METADATA": _env("SAML_IDP_METADATA"),
        "SAML_IDP_ENTITY_ID": _env("SAML_IDP_ENTITY_ID"),
        # The address citizens reach the service at (https://…): the ACS and SLO URLs and the default entity ID
        # are made from it, never from the request's Host header.
        "SAML_BASE_URL": _env("SAML_BASE_URL"),
        "SAML_SP_ENTITY_ID": _env("SAML_SP_ENTITY_ID"),
        "SAML_SP_KEY_FILE": _env("SAML_SP_KEY_FILE"),
        "SAML_SP_CERT_FILE": _env("SAML_SP_CERT_FILE"),
        "SAML_SP_ENCRYPTION_KEY_FILE": _env("SAML_SP_ENCRYPTION_KEY_FILE"),
        "SAML_SP_ENCRYPTION_CERT_FILE": _env("SAML_SP_ENCRYPTION_CERT_FILE"),
        "SAML_MIN_LOA": _env("SAML_MIN_LOA", "Substantial"),
        # OIOSAML 3 has NemLog-in encrypt every assertion; a plain one is refused unless this is switched off.
        "SAML_REQUIRE_ENCRYPTION": _bool(_env("SAML_REQUIRE_ENCRYPTION", "1")),
        "SAML_CLOCK_SKEW_SECONDS": int(_env("SAML_CLOCK_SKEW_SECONDS", "60")),
        "SAML_XMLSEC_BINARY": _env("SAML_XMLSEC_BINARY"),
        "SAML_CONTACT_EMAIL": _env("SAML_CONTACT_EMAIL"),
        # Notices (notices/sending.py): retries with exponential backoff from the first to at most the second figure,
        # a lease longer than one SMTP conversation, and how many attempts before a delivery is given up (the notice
        # stays in the inbox). SMS and Digital Post: "log" (not connected) or a provider class "module:Class".
        "NOTICE_BACKOFF_SECONDS": float(_env("NOTICE_BACKOFF_SECONDS", "60")),
        "NOTICE_BACKOFF_MAX_SECONDS": float(_env("NOTICE_BACKOFF_MAX_SECONDS", str(6 * 3600))),
        "NOTICE_LEASE_SECONDS": float(_env("NOTICE_LEASE_SECONDS", "120")),
        "NOTICE_BATCH_SIZE": int(_env("NOTICE_BATCH_SIZE", "50")),
        "NOTICE_MAX_ATTEMPTS": int(_env("NOTICE_MAX_ATTEMPTS", "10")),
        "NOTICE_SMS_PROVIDER": _env("NOTICE_SMS_PROVIDER", "log"),
        "NOTICE_DIGITAL_POST_PROVIDER": _env("NOTICE_DIGITAL_POST_PROVIDER", "log"),
        # Whether a commit that wrote notices enqueues the sender: unset = yes, unless jobs run synchronously (tests).
        "NOTICE_SEND_ON_COMMIT": _env("NOTICE_SEND_ON_COMMIT"),
        # Background jobs (stomi_app/jobs.py): RQ on this Redis; one queue name per installation. JOBS_SYNC runs each
        # job at once in the calling process (tests, a laptop without a worker).
        "REDIS_URL": _env("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "JOBS_QUEUE": _env("JOBS_QUEUE", "stomi"),
        "JOBS_SYNC": _bool(_env("JOBS_SYNC", "0")),
    }
    config.update(overrides)
    return config
