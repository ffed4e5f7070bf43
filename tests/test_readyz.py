"""/readyz: ready when the database answers at this code's migration head and Redis answers where limits live."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from stomi_app.extensions import db
from tests.fixtures.app import make_app


def test_ready_when_migrated_to_head(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json == {"status": "ok", "database": "ok", "migrations": "ok"}


def test_not_ready_when_the_database_is_behind_the_code(app, client):
    with app.app_context():
        current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.execute(text("UPDATE alembic_version SET version_num = 'e2f85f5bf7ff'"))  # an older head
        db.session.commit()
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
        assert answer.json["migrations"].startswith("not at head")
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
            db.session.commit()


@pytest.mark.committing
def test_not_ready_without_the_database(tmp_path, instance_dir):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.json["database"] == "unavailable"


@pytest.mark.committing
def test_not_ready_when_the_rate_limits_redis_is_gone(database_url, app, instance_dir):
    answer = make_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0").test_client().get("/readyz")
    assert answer.status_code == 503 and answer.json["redis"] == "unavailable" and answer.json["database"] == "ok"
