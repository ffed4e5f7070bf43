"""The Flask extensions, created once and bound to the app in `init_app`."""
from __future__ import annotations

from pathlib import Path

from flask import has_request_context, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from stomi_app.db import Base
from stomi_app.outage import database_down

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def select_locale() -> str:
    languages = ["da", "en"]
    if not has_request_context():  # CLI commands, background jobs: the platform's default language
        return "da"
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    # During an outage the user's stored preference cannot be read: the session's choice or Danish.
    if not database_down() and current_user and getattr(current_user, "is_authenticated", False):
        preferred = getattr(current_user, "language", None)
        if preferred in languages:
            return preferred
    return "da"


def init_app(app) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Copenhagen")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

