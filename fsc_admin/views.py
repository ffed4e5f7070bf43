"""Views of the FSC administration."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from fsc_admin import bp
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.extensions import db
from stomi_app.models import Citizen, Municipality, Region, Role

restrict_blueprint(bp, Role.FSC_ADMIN)


@bp.route("/")
def start():
    counts = (
        select(Municipality, Region.name, func.count(Citizen.id))
        .join(Region, Municipality.region_id == Region.id)
        .outerjoin(Citizen, Citizen.municipality_id == Municipality.id)
        .group_by(Municipality.id, Region.name)
        .order_by(Region.name, Municipality.name)
    )
    rows = db.session.execute(counts).all()
    return render_template("fsc_admin/start.html", rows=rows)
