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
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("The database is SQLite: set STOMI_DATABASE_URL to PostgreSQL.")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("Session cookies may travel without TLS: set STOMI_SESSION_COOKIE_SECURE=1.")
    if config.get("RATELIMIT_ENABLED") and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        problems.append("Login rate limits are kept in each worker's memory (one limit per worker): set "
                        "STOMI_RATELIMIT_STORAGE_URI to Redis, e.g. redis://127.0.0.1:6379/0.")
    if config.get("JOBS_SYNC"):
        problems.append("Background jobs run inside the web request (a national invoice run would hold a worker for "
                        "minutes): set STOMI_JOBS_SYNC=0 and run `stomi worker`.")
    return problems


def refuse_unfit_production(config: Mapping, environ: Mapping[str, str] | None = None) -> None:
    """Raise ConfigurationError at start-up when STOMI_ENV=production and any problem applies."""
    if is_production(environ):
        problems = production_problems(config, environ)
        if problems:
            raise ConfigurationError(problems)
