"""STOMI_ENV=production refuses development defaults, one clear line each; `stomi check-config` says the same."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from stomi_app import create_app
from stomi_app.configcheck import ConfigurationError, production_problems

SECRETS = {f"STOMI_{name}": "x" * 64 for name in ("SECRET_KEY", "CPR_ENCRYPTION_KEY", "CPR_HASH_KEY", "LOGISTICS_SECRET")}
FIT = {"DEMO_LOGIN_ENABLED": False, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://stomi@db/stomi",
       "SESSION_COOKIE_SECURE": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}


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
    assert len(exc.value.problems) == 8  # demo login, four secrets, SQLite, cookies, in-memory rate limits


def test_production_starts_when_fit(monkeypatch, tmp_path, limits_restored):
    monkeypatch.setenv("STOMI_ENV", "production")
    monkeypatch.setenv("STOMI_INSTANCE_PATH", str(tmp_path))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    app = create_app(dict(FIT))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_check_config_lists_the_problems_and_fails(monkeypatch, tmp_path):
    from stomi_app.cli import main

    monkeypatch.delenv("STOMI_ENV", raising=False)
    monkeypatch.setenv("STOMI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("STOMI_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 1
    assert "The database is SQLite" in result.output and "STOMI_ENV=production would refuse to start" in result.output
