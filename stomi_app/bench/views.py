"""Benchmark-only routes, registered only with STOMI_BENCH_ROUTES=1 (never in production).

`/bench/ceiling` does the least a write request can do: one INSERT and one COMMIT. `/bench/order`
places an order through the real ordering service (`ordering.place_order`: the same checks and routing as the
pages' submit). Their ratio shows what the platform's own rules cost.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from stomi_app import ordering
from stomi_app.extensions import csrf, db
from stomi_app.models import AuditEvent

bp = Blueprint("bench", __name__)


@bp.route("/bench/ceiling", methods=["POST"])
@csrf.exempt
def ceiling():
    db.session.add(AuditEvent(role="system", action="bench", purpose="benchmark ceiling"))
    db.session.commit()
    return jsonify(ok=True)


@bp.route("/bench/order", methods=["POST"])
@csrf.exempt
def place_order():
    payload = request.get_json(silent=True) or {}
    try:
        order = ordering.place_order(int(payload.get("citizen_id", 0)),
                                     {int(k): v for k, v in payload.get("lines", {}).items()})
    except ordering.OrderError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 422
    answer = {"order": order.number, "status": order.status.value}  # read before the commit expires the order
    db.session.commit()
    return jsonify(answer)
