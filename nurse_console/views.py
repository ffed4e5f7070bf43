"""Views of the nurse console."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from nurse_console import bp
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.models import Role

restrict_blueprint(bp, Role.NURSE)


@bp.route("/")
def start():
    return render_template("nurse_console/start.html", nurse=current_user)
