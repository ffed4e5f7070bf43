"""Views of the callcenter."""
from __future__ import annotations

from flask import render_template

from callcenter import bp
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.models import Role

restrict_blueprint(bp, Role.CALLCENTER)


@bp.route("/")
def start():
    return render_template("callcenter/start.html")
