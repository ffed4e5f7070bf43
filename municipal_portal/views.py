"""Views of the municipal portal; every query is scoped to the officer's own municipality."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from municipal_portal import bp
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.extensions import db
from stomi_app.models import Citizen, Role

restrict_blueprint(bp, Role.GRANT_OFFICER)


@bp.route("/")
def start():
    municipality = current_user.municipality
    citizens = db.session.scalar(select(func.count(Citizen.id)).where(Citizen.municipality_id == municipality.id))
    return render_template("municipal_portal/start.html", municipality=municipality, citizens=citizens)
