"""The bench's ceiling: the least a write request can do on the same app and database, one INSERT and one COMMIT."""
from __future__ import annotations

from flask import Blueprint, jsonify

from stomi_app.extensions import csrf, db
from stomi_app.models import AuditEvent

bp = Blueprint("bench", __name__)


@bp.route("/bench/ceiling", methods=["POST"])
@csrf.exempt
def ceiling():
    db.session.add(AuditEvent(role="system", action="bench", purpose="benchmark ceiling"))
    db.session.commit()
    return jsonify(ok=True)
