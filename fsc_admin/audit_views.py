"""The FSC administrator's search of the audit log (by citizen CPR, staff e-mail, action and period)."""
from __future__ import annotations

from datetime import timedelta

from flask import redirect, render_template, request, session, url_for
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


FIELDS = ("cpr", "email", "action", "from", "to")
# The last search's criteria, the citizen as an id (never the typed CPR number): the search is posted and then
# shown by a redirect to the bare URL, so no CPR number reaches a URL, the browser's history or the server log.
SEARCH_KEY = "audit_log_search"


@bp.route("/revision", methods=["GET", "POST"])
def audit_log():
    if request.method == "POST":
        args = {k: clean_text(request.form.get(k)).strip()[:200] for k in FIELDS}
        citizen, errors = _citizen_by_cpr(args["cpr"])
        saved = {k: args[k] for k in FIELDS if k != "cpr"}
        saved["citizen"] = citizen.id if citizen else (-1 if args["cpr"] else None)
    else:
        saved = dict(session.get(SEARCH_KEY) or {})
        args = {k: saved.get(k, "") for k in FIELDS}
        citizen, errors = (db.session.get(Citizen, saved["citizen"]) if saved.get("citizen") else None), {}
    query = select(AuditEvent, User.email, Citizen.cpr_masked).outerjoin(User, User.id == AuditEvent.user_id)
    query = query.outerjoin(Citizen, Citizen.id == AuditEvent.citizen_id)
    if saved.get("citizen"):
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
    if request.method == "POST" and not errors:
        if citizen is not None:
            # Reading who looked at a citizen is itself a look at that citizen's data.
            record(current_user, "search", "Audit log search (FSC administrator)", citizen=citizen,
                   detail=f"cpr={citizen.cpr_masked}")
            db.session.commit()
        session[SEARCH_KEY] = saved
        return redirect(url_for(".audit_log"))
    rows = [] if errors else db.session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE_SIZE)).all()
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    return render_template("fsc_admin/audit_log.html", rows=rows, args=args, errors=errors, actions=actions,
                           page_size=PAGE_SIZE, searched_citizen=citizen, unknown_cpr=saved.get("citizen") == -1), \
        (422 if errors else 200)


def _citizen_by_cpr(text: str):
    """The citizen with this CPR number (None when none is registered or none was asked for), and any error."""
    if not text:
        return None, {}
    try:
        digits = cpr.normalise(text)
    except cpr.InvalidCPR:
        return None, {"cpr": _("A CPR number is 10 digits and starts with a valid birth date (DDMMYY).")}
    return db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits))), {}
