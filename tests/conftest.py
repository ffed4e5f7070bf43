"""Pytest fixtures: one migrated database per run, emptied after every test; clients per role."""
from __future__ import annotations

import os
import re
import uuid

import pytest
from flask_migrate import upgrade

from stomi_app import create_app
from stomi_app.extensions import db
from stomi_app.testing import IsolatedClient
from tests.dbutil import throwaway_database
from tests import factories

# Apps the tests build without overrides (the CLI's FlaskGroup) must not switch on the one process-wide limiter: its
# in-memory counts would then outlast the test and refuse another test's logins with 429.
os.environ.setdefault("STOMI_RATELIMIT_ENABLED", "0")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("db"), "unit") as url:
        yield url


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("instance")
    os.environ["STOMI_INSTANCE_PATH"] = str(path)
    return path


JOBS_QUEUE = f"stomi-test-{uuid.uuid4().hex[:12]}"


def make_app(database_url, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Jobs run at once in the test's process, on the machine's Redis, in a queue of this run's own.
        "JOBS_SYNC": True,
        "JOBS_QUEUE": JOBS_QUEUE,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def app(database_url, instance_dir):
    app = make_app(database_url)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def limits_restored(app):
    """For a test that builds an app with rate limits on: Flask-Limiter's limiter is one object per process, so
    building that app switched the limits on for every later test; give the session's app its settings back."""
    yield
    from stomi_app.extensions import limiter

    limiter.init_app(app)
    limiter.enabled = False
    limiter.reset()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(ctx):
    """The 41 municipalities and one user of every staff role, committed."""
    return factories.world()


class Auth:
    """Logs a test client in as staff or citizen, the way a person would."""

    def __init__(self, client):
        self.client = client

    def staff(self, email, password=factories.PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def citizen(self, cpr):
        return self.client.post("/login/borger", data={"cpr": cpr})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)
