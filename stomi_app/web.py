"""Wires the blueprints, error pages, security headers and template helpers into the app."""
from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from babel.dates import format_interval
from flask import Flask, abort, current_app, render_template, request, send_from_directory
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Conflict

from stomi_app import outage
from stomi_app.apischema import ApiProblem, problem
from stomi_app.forms import error_summary_items
from stomi_app.headers import CONTENT_SECURITY_POLICY
from stomi_app.labels import role_label, template_globals
from stomi_app.logs import current_request_id
from stomi_app.money import format_money
from stomi_app.navigation import staff_menu
from stomi_app.statemachine import IllegalTransition
from stomi_app.outage import DATABASE_DOWN, database_down, is_database_down_error, is_machine_request, unavailable

DKFDS_DIST = Path(__file__).resolve().parent.parent / "node_modules" / "dkfds" / "dist"





def _register_blueprints(app: Flask) -> None:
    from callcenter import bp as callcenter_bp
    from catalogue import bp as catalogue_bp
    from citizen_portal import bp as citizen_bp
    from fsc_admin import bp as fsc_admin_bp
    from fulfilment import bp as fulfilment_bp
    from fulfilment.api import bp as fulfilment_api_bp
    from municipal_portal import bp as municipal_bp
    from nurse_console import bp as nurse_bp
    from stomi_app.auth.saml_views import bp as saml_bp
    from municipal_api import bp as municipal_api_bp
    from stomi_app.api_docs import bp as api_docs_bp
    from stomi_app.auth.views import bp as auth_bp
    from stomi_app.core_views import bp as core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(saml_bp)
    app.register_blueprint(catalogue_bp, url_prefix="/katalog")
    app.register_blueprint(citizen_bp, url_prefix="/borger")
    app.register_blueprint(nurse_bp, url_prefix="/sygeplejerske")
    app.register_blueprint(municipal_bp, url_prefix="/kommune")
    app.register_blueprint(callcenter_bp, url_prefix="/callcenter")
    app.register_blueprint(fulfilment_bp, url_prefix="/lager")
    app.register_blueprint(fulfilment_api_bp, url_prefix="/api/v1")
    app.register_blueprint(municipal_api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_docs_bp, url_prefix="/api/v1")
    app.register_blueprint(fsc_admin_bp, url_prefix="/admin")


# The JSON API's error codes, for the answers Flask and Werkzeug give before (or instead of) a view.
MACHINE_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
                  413: "too_large", 415: "unsupported_media_type", 429: "rate_limited", 500: "server_error"}


def _error_page(exc, title, message):
    """The error page for people, or a JSON error for the API; `title` and `message` are lazy strings, evaluated
    only here, because choosing the language may load the user, and the database may be what failed."""
    code = getattr(exc, "code", None) or 500
    if is_machine_request():
        description = getattr(exc, "description", None) or "The request failed."
        headers = {}
        if code in (405, 429) and hasattr(exc, "get_headers"):
            headers = {k: v for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")}
        return problem(code, MACHINE_ERRORS.get(code, "error"), str(description), headers=headers)
    try:
        return render_template("errors/error.html", code=code, title=str(title), message=str(message),
                               request_id=current_request_id()), code
    except DATABASE_DOWN as down:  # the layout loads the user: an error page while the database is down
        return unavailable(down)


def _register_errors(app: Flask) -> None:
    from flask_babel import lazy_gettext as _

    outage.init_app(app)
    app.register_error_handler(ApiProblem, lambda exc: problem(exc.status, exc.code, exc.detail, errors=exc.errors,
                                                               headers=exc.headers))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error_page(exc, _("The form has expired"), _("Go back, reload the page and try again. Nothing was saved."))

    @app.errorhandler(400)
    def bad_request(exc):
        return _error_page(exc, _("Bad request"), _("The request could not be understood. Nothing was saved."))

    @app.errorhandler(403)
    def forbidden(exc):
        return _error_page(exc, _("No access"), _("Your role does not give access to this page."))

    @app.errorhandler(404)
    def not_found(exc):
        return _error_page(exc, _("Page not found"), _("The page does not exist, or you do not have access to it."))

    @app.errorhandler(405)
    def not_allowed(exc):
        return _error_page(exc, _("Not allowed"), _("This action is not allowed here."))

    @app.errorhandler(413)
    def too_large(exc):
        return _error_page(exc, _("File too large"), _("The file is larger than allowed. Nothing was saved."))

    @app.errorhandler(415)
    def unsupported_media_type(exc):
        return _error_page(exc, _("Bad request"), _("The request could not be understood. Nothing was saved."))

    @app.errorhandler(429)
    def too_many(exc):
        return _error_page(exc, _("Too many attempts"), _("Wait a minute and try again."))

    @app.errorhandler(IllegalTransition)
    def illegal_transition(exc):
        # The services check a case's state before they act; a move the workflow does not hold that still reaches
        # its machine means someone else acted on the case between the page and this request. The view's work was
        # rolled back before this handler runs (stomi_app.transaction).
        return _error_page(Conflict(), _("The case has changed"),
                           _("Someone else acted on it meanwhile. Nothing was saved. Reload the page to see where it stands."))

    @app.errorhandler(500)
    def server_error(exc):
        from stomi_app.extensions import db

        # Flask hands an exception no handler took (one raised in an after_request hook or in another error
        # handler) to this one, wrapped: a database outage there is still a 503.
        original = getattr(exc, "original_exception", None)
        if is_database_down_error(original):
            return unavailable(original)
        # A view's exception was rolled back before this handler (stomi_app.transaction); one at the commit itself
        # or in a request hook was not, and the page must not read a session that still waits for its rollback.
        with suppress(Exception):
            db.session.rollback()
        return _error_page(exc, _("Something went wrong"), _("Nothing was saved. Try again, or call the callcenter."))


def period_range(first, last) -> str:
    """A period from its first to its last day, both included, as Babel writes an interval in the person's language:
    "1.–31. dec. 2026", "1. dec. 2026–28. feb. 2027" (never an exclusive end the reader must count back from)."""
    return format_interval(first, last, "yMMMd", locale=get_locale())


def init_app(app: Flask) -> None:
    _register_blueprints(app)
    _register_errors(app)
    app.add_template_filter(period_range, "period_range")
    # A global, not a context variable: macros.html is imported without the template's context.
    app.add_template_global(error_summary_items, "error_summary_items")

    @app.route("/static/dkfds/<path:filename>")
    def dkfds_asset(filename: str):
        if not DKFDS_DIST.is_dir():
            abort(404)
        return send_from_directory(DKFDS_DIST, filename, max_age=3600)

    @app.route("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico whatever the page links to; without this every page logged a 404.
        return send_from_directory(Path(app.static_folder) / "img", "favicon.svg", mimetype="image/svg+xml", max_age=86400)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # During an outage the user cannot be loaded; the 503 answer already says no-store.
        if not database_down() and current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def template_helpers():
        return {
            "format_money": format_money,
            "current_locale": str(get_locale()),
            "callcenter_phone": current_app.config["CALLCENTER_PHONE"],
            "callcenter_hours": current_app.config["CALLCENTER_HOURS"],
            "role_label": role_label,
            "staff_menu": staff_menu,
            **template_globals(),
        }
