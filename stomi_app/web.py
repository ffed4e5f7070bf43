"""Wires the blueprints, error pages, security headers and template helpers into the app."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask import Flask, abort, current_app, render_template, request, send_from_directory
from flask_babel import format_currency, get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from stomi_app.labels import template_globals

DKFDS_DIST = Path(__file__).resolve().parent.parent / "node_modules" / "dkfds" / "dist"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)


def format_money(oere: int | None) -> str:
    """Øre as Danish (or English) currency text, e.g. 138500 → '1.385,00 kr.'."""
    if oere is None:
        return ""
    return format_currency(Decimal(oere) / 100, "DKK")


def role_label(role) -> str:
    from flask_babel import gettext as _

    labels = {
        "citizen": _("Citizen"),
        "nurse": _("Stoma nurse"),
        "grant_officer": _("Grant officer"),
        "municipal_manager": _("Municipal manager"),
        "callcenter": _("Callcenter agent"),
        "fsc_admin": _("FSC administrator"),
        "warehouse": _("Warehouse"),
    }
    return labels.get(getattr(role, "value", role), str(role))


def _register_blueprints(app: Flask) -> None:
    from callcenter import bp as callcenter_bp
    from catalogue import bp as catalogue_bp
    from citizen_portal import bp as citizen_bp
    from fsc_admin import bp as fsc_admin_bp
    from fulfilment import bp as fulfilment_bp
    from fulfilment.api import bp as fulfilment_api_bp
    from municipal_portal import bp as municipal_bp
    from nurse_console import bp as nurse_bp
    from stomi_app.auth.views import bp as auth_bp
    from stomi_app.core_views import bp as core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(catalogue_bp, url_prefix="/katalog")
    app.register_blueprint(citizen_bp, url_prefix="/borger")
    app.register_blueprint(nurse_bp, url_prefix="/sygeplejerske")
    app.register_blueprint(municipal_bp, url_prefix="/kommune")
    app.register_blueprint(callcenter_bp, url_prefix="/callcenter")
    app.register_blueprint(fulfilment_bp, url_prefix="/lager")
    app.register_blueprint(fulfilment_api_bp, url_prefix="/api/v1")
    app.register_blueprint(fsc_admin_bp, url_prefix="/admin")
    if app.config.get("BENCH_ROUTES"):
        from stomi_app.bench.views import bp as bench_bp

        app.register_blueprint(bench_bp)


def _error_page(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _register_errors(app: Flask) -> None:
    from flask_babel import gettext as _

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error_page(400, _("The form has expired"), _("Go back, reload the page and try again. Nothing was saved."))

    @app.errorhandler(400)
    def bad_request(exc):
        return _error_page(400, _("Bad request"), _("The request could not be understood. Nothing was saved."))

    @app.errorhandler(403)
    def forbidden(exc):
        return _error_page(403, _("No access"), _("Your role does not give access to this page."))

    @app.errorhandler(404)
    def not_found(exc):
        return _error_page(404, _("Page not found"), _("The page does not exist, or you do not have access to it."))

    @app.errorhandler(405)
    def not_allowed(exc):
        return _error_page(405, _("Not allowed"), _("This action is not allowed here."))

    @app.errorhandler(413)
    def too_large(exc):
        return _error_page(413, _("File too large"), _("The file is larger than allowed. Nothing was saved."))

    @app.errorhandler(429)
    def too_many(exc):
        return _error_page(429, _("Too many attempts"), _("Wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(exc):
        from stomi_app.extensions import db

        db.session.rollback()
        return _error_page(500, _("Something went wrong"), _("Nothing was saved. Try again, or call the callcenter."))


def init_app(app: Flask) -> None:
    _register_blueprints(app)
    _register_errors(app)

    @app.route("/static/dkfds/<path:filename>")
    def dkfds_asset(filename: str):
        if not DKFDS_DIST.is_dir():
            abort(404)
        return send_from_directory(DKFDS_DIST, filename, max_age=3600)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
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
            **template_globals(),
        }
