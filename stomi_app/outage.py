"""While the database is unreachable every request gets a static 503 (a page with the callcenter's number, or JSON)."""
from __future__ import annotations

import logging
from contextlib import suppress

import sqlalchemy.exc
from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _

log = logging.getLogger("stomi.outage")

# The errors that mean "the database cannot be reached or cannot serve now" (refused or lost connection, a missing
# SQLite file, a full connection pool), as opposed to a bug in a statement. psycopg's own errors appear unwrapped
# only where code talks to the driver directly.
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,
)
try:
    import psycopg
except ImportError:  # a SQLite-only installation
    pass
else:
    DATABASE_DOWN += (psycopg.OperationalError, psycopg.InterfaceError)

# Seconds a client (or a browser's reload) is asked to wait: long enough not to hammer a database that is starting.
RETRY_AFTER_SECONDS = 30
# Set on the request (its WSGI environ, which unlike `g` never outlives it) once an outage is known, so that the
# locale selector and the response hooks do not try the database again for this request.
_FLAG = "stomi.database_down"


def database_down() -> bool:
    """True once this request has met an unreachable database."""
    return bool(request.environ.get(_FLAG))


def is_machine_request() -> bool:
    """The JSON API and the health check answer in JSON, also when they fail; people get HTML."""
    return request.path.startswith("/api/") or request.path == "/healthz"


def is_database_down_error(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_DOWN)


def unavailable(exc: BaseException | None = None):
    """The 503 answer. Needs nothing from the database: no user, no layout, no session lookup."""
    request.environ[_FLAG] = True
    # The session may hold a transaction on a connection that is gone; rolling it back may fail the same way. (The
    # app's Flask-SQLAlchemy, not an import of stomi_app.extensions: the extensions' locale selector asks this module.)
    with suppress(Exception):
        current_app.extensions["sqlalchemy"].session.rollback()
    if exc is not None:
        # One line, no traceback: the driver's first line says what failed (refused, timeout, missing file) and carries
        # no row data; the endpoint, not the path, because a path may hold a citizen's id.
        first_line = str(getattr(exc, "orig", None) or exc).strip().splitlines()[:1]
        log.warning("database unavailable: %s on %s %s: %s", type(exc).__name__, request.method,
                    request.endpoint or "-", (first_line[0] if first_line else "")[:200])
    if request.path == "/healthz":
        response = jsonify(status="error", database="unavailable")
    elif is_machine_request():
        from stomi_app.apischema import problem

        response = problem(503, "unavailable", "The platform's database is unavailable; retry later.")
    else:
        response = current_app.response_class(_page(), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page() -> str:
    """Rendered straight from the Jinja environment: render_template would run the context processors, and
    Flask-Login's loads the current user from the database."""
    from flask_babel import get_locale

    from stomi_app.logs import current_request_id

    template = current_app.jinja_env.get_template("errors/unavailable.html")
    return template.render(
        lang=str(get_locale()),
        title=_("The service is temporarily unavailable"),
        callcenter_phone=current_app.config["CALLCENTER_PHONE"],
        callcenter_hours=current_app.config["CALLCENTER_HOURS"],
        request_id=current_request_id(),  # for the citizen to quote to the callcenter
    )


def init_app(app: Flask) -> None:
    for error in DATABASE_DOWN:
        app.register_error_handler(error, unavailable)
