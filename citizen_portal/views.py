"""Views of the citizen portal."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from citizen_portal import bp
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.models import Role

restrict_blueprint(bp, Role.CITIZEN)


@bp.route("/")
def start():
    return render_template("citizen_portal/start.html", citizen=current_user)
