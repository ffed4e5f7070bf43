"""The schema is made by the migrations alone, and the models agree with them."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

import pytest

from stomi_app.extensions import db
from tests.fixtures.app import make_app
from tests.dbutil import throwaway_database


@pytest.mark.committing
def test_upgrade_from_empty_matches_models(tmp_path, instance_dir, app):
    with throwaway_database(tmp_path, "migr") as url:
        fresh = make_app(url)
        with fresh.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            assert diff == [], f"models and migrations disagree: {diff}"
            downgrade(revision="base")
            upgrade()
            db.engine.dispose()
