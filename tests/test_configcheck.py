"""STOMI_ENV=production refuses development defaults, one clear line each; `stomi check-config` says the same."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from stomi_app import create_app
from stomi_app.configcheck import ConfigurationError, production_problems

SECRETS = {f"STOMI_{name}": "x" * 64 for name in ("SECRET_KEY", "CPR_ENCRYPTION_KEY", "CPR_HASH_KEY", "LOGISTICS_SECRET")}
FIT = {"DEMO_LOGIN_ENABLED": False, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://stomi@db/stomi",
       "SESSION_COOKIE_SECURE": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
       # Any readable file will do for the check: it asks that NemLog-in's files are given and there.
       "SAML_IDP_METADATA": __file__, "SAML_BASE_URL": "https://stomi.example.dk",
       "SAML_SP_KEY_FILE": __file__, "SAML_SP_CERT_FILE": __file__,
       "PUBLIC_URL": "https://stomi.example.dk", "TWO_FACTOR_DEFAULT_ROLES": ("nurse", "grant_officer", "callcenter", "fsc_admin")}


def test_a_fit_configuration_has_no_problem():
    assert production_problems(FIT, SECRETS) == []


@pytest.mark.parametrize("change, environ, expected", [
    ({"DEMO_LOGIN_ENABLED": True}, SECRETS, "STOMI_DEMO_LOGIN_ENABLED=0"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/stomi.sqlite"}, SECRETS, "The database is SQLite"),
    ({"SESSION_COOKIE_SECURE": False}, SECRETS, "STOMI_SESSION_COOKIE_SECURE=1"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, SECRETS, "STOMI_RATELIMIT_STORAGE_URI"),
    ({"JOBS_SYNC": True}, SECRETS, "STOMI_JOBS_SYNC=0"),
    ({}, {k: v for k, v in SECRETS.items() if k != "STOMI_LOGISTICS_SECRET"}, "STOMI_LOGISTICS_SECRET is not set"),
    ({}, {k: v for k, v in SECRETS.items() if k != "STOMI_CPR_HASH_KEY"}, "STOMI_CPR_HASH_KEY is not set"),
    ({"SAML_IDP_METADATA": None}, SECRETS, "NemLog-in is not configured: set STOMI_SAML_IDP_METADATA"),
    ({"SAML_IDP_METADATA": "/nowhere/idp-metadata.xml"}, SECRETS, "names no readable file: /nowhere/idp-metadata.xml"),
    ({"SAML_IDP_METADATA": "http://127.0.0.1:5060/metadata"}, SECRETS, "plain HTTP"),
    ({"SAML_BASE_URL": None}, SECRETS, "STOMI_SAML_BASE_URL is not set"),
    ({"SAML_BASE_URL": "http://stomi.example.dk"}, SECRETS, "STOMI_SAML_BASE_URL is not set"),
    ({"SAML_SP_KEY_FILE": None}, SECRETS, "STOMI_SAML_SP_KEY_FILE is not set"),
    ({"SAML_SP_CERT_FILE": "/nowhere/cert.pem"}, SECRETS, "STOMI_SAML_SP_CERT_FILE names no readable file"),
    ({"PUBLIC_URL": ""}, SECRETS, "STOMI_PUBLIC_URL"),
    ({"PUBLIC_URL": "http://stomi.example.dk"}, SECRETS, "STOMI_PUBLIC_URL"),
    ({"TWO_FACTOR_DEFAULT_ROLES": ("nurse", "grant_officer")}, SECRETS, "leaves out callcenter"),
    ({"TWO_FACTOR_DEFAULT_ROLES": ()}, SECRETS, "leaves out nurse, grant_officer, callcenter"),
])
def test_each_unfit_setting_gives_its_own_line(change, environ, expected):
    problems = production_problems({**FIT, **change}, environ)
    assert len(problems) == 1 and expected in problems[0]


def test_production_refuses_to_start_on_the_development_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("STOMI_ENV", "production")
    monkeypatch.setenv("STOMI_INSTANCE_PATH", str(tmp_path))
    for name in (*SECRETS, "STOMI_RATELIMIT_ENABLED"):  # the development defaults, as a fresh machine has them
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError) as exc:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    text = str(exc.value)
    assert text.startswith("STOMI_ENV=production refuses to start:")
    # demo login, four secrets, NemLog-in, SQLite, cookies, in-memory rate limits, no public https address (the
    # second factor's default is the production one)
    assert len(exc.value.problems) == 10


def test_production_starts_when_fit(monkeypatch, tmp_path, limits_restored):
    monkeypatch.setenv("STOMI_ENV", "production")
    monkeypatch.setenv("STOMI_INSTANCE_PATH", str(tmp_path))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    app = create_app({k: v for k, v in FIT.items() if k != "TWO_FACTOR_DEFAULT_ROLES"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    # Under STOMI_ENV=production the second factor's default covers the roles with health data and the FSC.
    assert set(app.config["TWO_FACTOR_DEFAULT_ROLES"]) == {"nurse", "grant_officer", "callcenter", "fsc_admin"}


def test_check_config_lists_the_problems_and_fails(monkeypatch, tmp_path):
    from stomi_app.cli import main

    monkeypatch.delenv("STOMI_ENV", raising=False)
    monkeypatch.setenv("STOMI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("STOMI_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 1
    assert "The database is SQLite" in result.output and "STOMI_ENV=production would refuse to start" in result.output
