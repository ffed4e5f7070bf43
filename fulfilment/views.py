"""The warehouse's web pages (the API client uses HMAC-signed calls instead)."""
from __future__ import annotations

from flask import render_template

from fulfilment import bp
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.models import Role

restrict_blueprint(bp, Role.WAREHOUSE)


@bp.route("/")
def start():
    return render_template("fulfilment/start.html")
