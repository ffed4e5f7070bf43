"""The warehouse's web pages (the API client uses HMAC-signed calls instead)."""
from __future__ import annotations

from flask import abort, render_template, request, Response
from flask_login import current_user

from fulfilment.blueprint import bp
from fulfilment.instructions import SENT_COUNT_DAYS, outbox_counts, outbox_rows
from fulfilment.models import OutboxStatus
from fulfilment.models import WarehouseInstruction
from fulfilment.picklist import picklist_for, render_packing_slip, render_pdf
from fulfilment.sla import overdue
from stomi_app.audit import record
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.extensions import db
from stomi_app.models import Role
from stomi_app.timeutil import local_today
from stomi_app.userinput import iso_day

restrict_blueprint(bp, Role.WAREHOUSE)


@bp.route("/")
def start():
    return render_template(
        "fulfilment/start.html", counts=outbox_counts(), pending=outbox_rows(OutboxStatus.PENDING),
        sent=outbox_rows(OutboxStatus.SENT), today=local_today(), sent_days=SENT_COUNT_DAYS, overdue=overdue(),
    )


@bp.route("/plukliste.pdf")
def picklist_pdf():
    day = iso_day(request.args.get("date"))
    if day is None:  # unreadable, or a year the platform has no deliveries in (year 1 or 9999 overflowed to a 500)
        abort(400)
    pdf = render_pdf(picklist_for(day))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="plukliste-{day.isoformat()}.pdf"'})


@bp.route("/pakkeseddel/<int:instruction_id>.pdf")
def packing_slip(instruction_id: int):
    instruction = db.session.get(WarehouseInstruction, instruction_id)
    if instruction is None:
        abort(404)
    # The slip names the citizen and the address: a staff read of a citizen's data, audited like any other.
    record(current_user, "read", "warehouse: packing slip", citizen=instruction.order.citizen,
           detail=f"order {instruction.order_number}")
    return Response(render_packing_slip(instruction), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="pakkeseddel-{instruction.order_number}.pdf"'})
