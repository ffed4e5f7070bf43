"""Pages every visitor can reach: front page, health check, language switch, accessibility statement."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from redis import Redis
from sqlalchemy import text

from stomi_app.extensions import MIGRATIONS_DIR, db
from stomi_app.outage import unavailable
from stomi_app.redirects import local_target

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        from stomi_app.auth.roles import start_page_url

        return redirect(start_page_url())
    return render_template("core/index.html")


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not healthy", never a 500
        return unavailable(exc)
    return jsonify(status="ok", database="ok")


@lru_cache(maxsize=1)
def _migration_heads() -> frozenset[str]:
    """The migrations' head revisions as shipped with this code (they cannot change while it runs)."""
    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@bp.route("/readyz")
def readyz():
    """Ready to take traffic: the database answers and is migrated to this code's head, and Redis answers where the
    rate limits are kept there. 503 with what is not ready (a load balancer sends no users here until then)."""
    checks = {}
    try:
        current = frozenset(MigrationContext.configure(db.session.connection()).get_current_heads())
        checks["database"] = "ok"
        checks["migrations"] = "ok" if current == _migration_heads() else "not at head (run stomi db upgrade)"
    except Exception:  # any database failure means "not ready", never a 500 (the 503 answer rolls back)
        checks["database"] = "unavailable"
    storage = current_app.config.get("RATELIMIT_STORAGE_URI", "")
    if storage.startswith(("redis://", "rediss://")):
        try:
            Redis.from_url(storage, socket_timeout=1, socket_connect_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    ready = all(value == "ok" for value in checks.values()) and "migrations" in checks
    response = jsonify(status="ok" if ready else "not ready", **checks)
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = "30"
    return response


@bp.route("/sprog", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.language != lang:
            current_user.language = lang
    return redirect(local_target(request.form.get("next"), url_for("core.index")))


@bp.route("/tilgaengelighed")
def accessibility_statement():
    return render_template("core/accessibility.html", feedback_email=current_app.config["ACCESSIBILITY_FEEDBACK_EMAIL"],
                           reviewed=ACCESSIBILITY_REVIEWED)


# When the statement was last reviewed against the service (the form asks for the date); change it with the review.
ACCESSIBILITY_REVIEWED = date(2026, 12, 3)
