"""Views of the FSC administration."""
from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import func, select

from fsc_admin.blueprint import bp
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from stomi_app.models import Municipality, Region, Role
from fulfilment.sla import recent_months

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


@bp.route("/levering")
def delivery_sla():
    return render_template("fsc_admin/delivery_sla.html", months=recent_months(12),
                           target=current_app.config["DELIVERY_SLA_TARGET_PCT"],
                           sla_days=current_app.config["DELIVERY_SLA_DAYS"],
                           express_days=current_app.config["DELIVERY_SLA_EXPRESS_DAYS"])
