"""The checks a production configuration must pass: one clear line per problem, at start-up and by `stomi check-config`.

With STOMI_ENV=production the app refuses to start while any line applies (a development default in production is a
security fault, not a warning); elsewhere the same lines are only shown by the command.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

# Secrets that must come from the environment (a secret store) in production, never be generated into instance/:
# a generated key lives on one machine's disk, is not in the backup plan, and differs between app servers.
SECRETS_FROM_ENVIRONMENT = ("SECRET_KEY", "CPR_ENCRYPTION_KEY", "CPR_HASH_KEY", "LOGISTICS_SECRET")
# Roles that read citizens' health data: their default must be a second factor (stomi_app.auth.twofactor).
HEALTH_DATA_ROLES = ("nurse", "grant_officer", "callcenter")


class ConfigurationError(RuntimeError):
    """The configuration is not fit for production; `problems` holds one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("STOMI_ENV=production refuses to start:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


def is_production(environ: Mapping[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get("STOMI_ENV", "").lower() == "production"


def production_problems(config: Mapping, environ: Mapping[str, str] | None = None) -> list[str]:
    """What in `config` (and where its secrets came from, in `environ`) is not fit for production."""
    environ = environ if environ is not None else os.environ
    problems = []
    if config.get("DEMO_LOGIN_ENABLED"):
        problems.append("The demo login (a citizen signs in by typing a CPR number) is on: set STOMI_DEMO_LOGIN_ENABLED=0.")
    for name in SECRETS_FROM_ENVIRONMENT:
        if not environ.get(f"STOMI_{name}"):
            problems.append(f"STOMI_{name} is not set: a secret generated into instance/ is not backed up and differs "
                            "between servers.")
    problems.extend(saml_problems(config))
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("The database is SQLite: set STOMI_DATABASE_URL to PostgreSQL.")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("Session cookies may travel without TLS: set STOMI_SESSION_COOKIE_SECURE=1.")
    if config.get("RATELIMIT_ENABLED") and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        problems.append("Login rate limits are kept in each worker's memory (one limit per worker): set "
                        "STOMI_RATELIMIT_STORAGE_URI to Redis, e.g. redis://127.0.0.1:6379/0.")
    if not str(config.get("PUBLIC_URL") or "").startswith("https://"):
        problems.append("STOMI_PUBLIC_URL is not an https:// address: links in e-mails (a staff member's password link) "
                        "would be built from the request's Host header.")
    missing = [role for role in HEALTH_DATA_ROLES if role not in (config.get("TWO_FACTOR_DEFAULT_ROLES") or ())]
    if missing:
        problems.append(f"STOMI_TWO_FACTOR_ROLES leaves out {', '.join(missing)}: staff with access to health data must "
                        "sign in with a second factor unless the FSC administrator decides otherwise for a role.")
    if config.get("JOBS_SYNC"):
        problems.append("Background jobs run inside the web request (a national invoice run would hold a worker for "
                        "minutes): set STOMI_JOBS_SYNC=0 and run `stomi worker`.")
    return problems


def saml_problems(config: Mapping) -> list[str]:
    """Citizens sign in with NemLog-in in production: its settings must be there, and the files readable."""
    if not config.get("SAML_IDP_METADATA"):
        return ["NemLog-in is not configured: set STOMI_SAML_IDP_METADATA to NemLog-in's IdP metadata file "
                "(and STOMI_SAML_BASE_URL, STOMI_SAML_SP_KEY_FILE, STOMI_SAML_SP_CERT_FILE)."]
    problems = []
    metadata = str(config["SAML_IDP_METADATA"])
    if metadata.startswith("http://"):
        problems.append("STOMI_SAML_IDP_METADATA is fetched over plain HTTP: use NemLog-in's metadata file.")
    elif not metadata.startswith("https://") and not os.path.isfile(metadata):
        problems.append(f"STOMI_SAML_IDP_METADATA names no readable file: {metadata}.")
    base = str(config.get("SAML_BASE_URL") or "")
    if not base.startswith("https://"):
        problems.append("STOMI_SAML_BASE_URL is not set to the service's https:// address (the ACS and SLO URLs "
                        "registered with NemLog-in are made from it).")
    for name in ("SAML_SP_KEY_FILE", "SAML_SP_CERT_FILE"):
        value = config.get(name)
        if not value:
            problems.append(f"STOMI_{name} is not set: production signs with the OCES certificate registered with "
                            "NemLog-in, never a generated one.")
        elif not os.path.isfile(value):
            problems.append(f"STOMI_{name} names no readable file: {value}.")
    return problems


def refuse_unfit_production(config: Mapping, environ: Mapping[str, str] | None = None) -> None:
    """Raise ConfigurationError at start-up when STOMI_ENV=production and any problem applies."""
    if is_production(environ):
        problems = production_problems(config, environ)
        if problems:
            raise ConfigurationError(problems)
