"""Pages every visitor can reach: front page, health check, language switch, accessibility statement."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from stomi_app.extensions import db
from stomi_app.outage import unavailable
from stomi_app.redirects import local_target

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        from stomi_app.auth.views import start_page_url

        return redirect(start_page_url())
    return render_template("core/index.html")


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not healthy", never a 500
        return unavailable(exc)
    return jsonify(status="ok", database="ok")


@bp.route("/sprog", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.language != lang:
            current_user.language = lang
            db.session.commit()
    return redirect(local_target(request.form.get("next"), url_for("core.index")))


@bp.route("/tilgaengelighed")
def accessibility_statement():
    return render_template("core/accessibility.html")
