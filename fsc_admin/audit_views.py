"""The FSC administrator's search of the audit log (by citizen CPR, staff e-mail, action and period), paged and
exported as CSV."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import Response, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from fsc_admin.blueprint import bp
from stomi_app.labels import role_label
from stomi_app import cpr, paging, safecsv
from stomi_app.audit import record
from stomi_app.extensions import db
from stomi_app.labels import audit_action_label, staff_purpose_label
from stomi_app.models import AuditEvent, User
from stomi_app.models.citizen import Citizen
from stomi_app.text import clean_text
from stomi_app.timeutil import start_of_local_day_utc
from stomi_app.userinput import iso_day, whole_number

PAGE_SIZE = 100
# An export is for a period's or a person's events, not the whole log: beyond this, narrow the search.
EXPORT_LIMIT = 100_000


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
    query, more = _search(saved, args, citizen)
    errors = {**errors, **more}
    if request.method == "POST" and not errors:
        if citizen is not None:
            # Reading who looked at a citizen is itself a look at that citizen's data.
            record(current_user, "search", "Audit log search (FSC administrator)", citizen=citizen,
                   detail=f"cpr={citizen.cpr_masked}")
        session[SEARCH_KEY] = saved
        return redirect(url_for(".audit_log"))
    page, rows = None, []
    if not errors:
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        page = paging.clamp(whole_number(request.args.get("page"), low=1), total, PAGE_SIZE)
        rows = db.session.execute(_newest_first(query).offset(page.offset).limit(PAGE_SIZE)).all()
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    return render_template("fsc_admin/audit_log.html", rows=rows, args=args, errors=errors, actions=actions,
                           summary={f"f-{name}": message for name, message in errors.items()},  # the inputs' ids
                           page=page, page_numbers=paging.page_numbers(page.page, page.pages) if page else [],
                           searched_citizen=citizen, unknown_cpr=saved.get("citizen") == -1), \
        (422 if errors else 200)


def _newest_first(query):
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.route("/revision/eksport.csv")
def audit_log_export():
    """The events the last search found (all pages, newest first, at most EXPORT_LIMIT) as CSV; audited."""
    saved = dict(session.get(SEARCH_KEY) or {})
    args = {k: saved.get(k, "") for k in FIELDS}
    citizen = db.session.get(Citizen, saved["citizen"]) if saved.get("citizen") else None
    query, errors = _search(saved, args, citizen)
    if errors:
        return redirect(url_for(".audit_log"))

    rows = db.session.execute(_newest_first(query).limit(EXPORT_LIMIT)).all()
    out = io.StringIO()
    writer = safecsv.writer(out)
    # The words the page shows, then the stored codes (for tools that filter on them).
    writer.writerow([_("When"), _("Who"), _("Role"), _("Action"), _("Citizen"), _("Purpose"), _("Detail"),
                     _("Action code"), _("Purpose code")])
    for event, email, masked in rows:
        writer.writerow([format_datetime(event.at, "yyyy-MM-dd HH:mm:ss"), email or "", role_label(event.role) if event.role else "",
                         audit_action_label(event.action), masked or "", staff_purpose_label(event.purpose),
                         event.detail or "", event.action, event.purpose or ""])
    record(current_user, "export", "Audit log search (FSC administrator)", citizen=citizen,
           detail=f"rows={len(rows)}" + (f"; cpr={citizen.cpr_masked}" if citizen else ""))
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=revisionslog.csv"})


def _search(saved: dict, args: dict, citizen):
    """The query for the saved criteria (the citizen as found by CPR), and the errors in the typed dates."""
    errors = {}
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
    return query, errors


def _citizen_by_cpr(text: str):
    """The citizen with this CPR number (None when none is registered or none was asked for), and any error."""
    if not text:
        return None, {}
    try:
        digits = cpr.normalise(text)
    except cpr.InvalidCPR:
        return None, {"cpr": _("A CPR number is 10 digits and starts with a valid birth date (DDMMYY).")}
    return db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits))), {}
