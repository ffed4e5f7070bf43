"""The FSC administrator's search of the audit log (by citizen CPR, staff e-mail, action and period)."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from fsc_admin import bp
from stomi_app import cpr
from stomi_app.audit import record
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Citizen, User
from stomi_app.text import clean_text
from stomi_app.timeutil import start_of_local_day_utc
from stomi_app.userinput import iso_day

PAGE_SIZE = 100


@bp.route("/revision")
def audit_log():
    args = {k: clean_text(request.args.get(k)).strip()[:200] for k in ("cpr", "email", "action", "from", "to")}
    errors: dict[str, str] = {}
    query = select(AuditEvent, User.email, Citizen.cpr_masked).outerjoin(User, User.id == AuditEvent.user_id)
    query = query.outerjoin(Citizen, Citizen.id == AuditEvent.citizen_id)
    citizen = None
    if args["cpr"]:
        try:
            digits = cpr.normalise(args["cpr"])
        except cpr.InvalidCPR:
            errors["cpr"] = _("A CPR number is 10 digits and starts with a valid birth date (DDMMYY).")
        else:
            citizen = db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits)))
            query = query.where(AuditEvent.citizen_id == (citizen.id if citizen else -1))
    if args["email"]:
        query = query.where(func.lower(User.email) == args["email"].lower())
    if args["action"]:
        query = query.where(AuditEvent.action == args["action"])
    start, end = iso_day(args["from"]), iso_day(args["to"])
    if args["from"] and start is None:
        errors["from"] = _("Enter a date as YYYY-MM-DD.")
    if args["to"] and end is None:
        errors["to"] = _("Enter a date as YYYY-MM-DD.")
    if start and end and end < start:
        errors["to"] = _("The last day must be on or after the first day.")
    if start:
        query = query.where(AuditEvent.at >= start_of_local_day_utc(start))
    if end:
        query = query.where(AuditEvent.at < start_of_local_day_utc(end + timedelta(days=1)))
    rows = [] if errors else db.session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE_SIZE)).all()
    if citizen is not None and not errors:
        # Reading who looked at a citizen is itself a look at that citizen's data.
        record(current_user, "search", "Audit log search (FSC administrator)", citizen=citizen, detail=f"cpr={citizen.cpr_masked}")
        db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    return render_template("fsc_admin/audit_log.html", rows=rows, args=args, errors=errors, actions=actions,
                           page_size=PAGE_SIZE), (422 if errors else 200)
