"""Human labels for the domain's codes (statuses, periods, stoma types), shared by every audience."""
from __future__ import annotations

from stomi_app.i18n import lazy_gettext as _l


ORDER_STATUS = {
    "draft": _l("Not sent"),
    "awaiting_approval": _l("Awaiting approval"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
    "sent_to_warehouse": _l("Sent to the warehouse"),
    "picked": _l("Picked"),
    "cut": _l("Cut to your measure"),
    "packed": _l("Packed"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "delivery_failed": _l("Delivery failed"),
}
JOB_RUN_STATUS = {"queued": _l("Waiting"), "running": _l("Running"), "finished": _l("Finished"), "failed": _l("Failed")}
GRANT_PERIOD = {"month": _l("per month"), "quarter": _l("per 3 months"), "year": _l("per year")}
STOMA_TYPE = {"colostomy": _l("Colostomy"), "ileostomy": _l("Ileostomy"), "urostomy": _l("Urostomy")}
DELIVERY_PROBLEM = {
    "missing": _l("Something is missing"),
    "wrong": _l("Wrong product"),
    "damaged": _l("Damaged"),
    "cutting": _l("The hole is cut wrong"),
}

PROBLEM_STATUS = {"open": _l("Open"), "replaced": _l("Replaced"), "resolved": _l("Closed")}
PROBLEM_STATUS_FOR_CITIZEN = {"open": _l("Received – the callcenter will contact you"),
                              "replaced": _l("Solved – a free replacement is sent"),
                              "resolved": _l("Solved – the case is closed")}
ADVICE_STATUS = {"open": _l("Waiting for a stoma nurse"), "answered": _l("Answered"), "closed": _l("Closed")}
PROPOSAL_STATUS = {"open": _l("Waiting for a nurse of the citizen's own care"), "accepted": _l("Accepted"),
                   "declined": _l("Declined")}
REQUEST_STATUS = {"open": _l("Waiting for a stoma nurse"), "approved": _l("Approved"), "rejected": _l("Rejected")}
RECOMMENDATION_KIND = {
    "order": _l("Recommended grant change after an order"),
    "product_change": _l("Recommended product change"),
    "supplier_change": _l("Recommended successor after a supplier change"),
    "discharge": _l("Recommendation at discharge"),
}
RECOMMENDATION_STATUS = {"open": _l("Waiting for the grant officer"), "done": _l("Granted"), "dismissed": _l("Not followed")}
NOTE_KIND = {"skin": _l("Skin"), "leak": _l("Leaks"), "cutting": _l("Cutting"), "other": _l("Other")}

# Why staff looked at or changed a citizen's data, as the citizen reads it under "My data": the audit log's purposes
# (English text written by the code, for staff and the FSC) mapped to readable labels. The role may show, the
# employee never does. A purpose missing here reads as AUDIT_PURPOSE_FALLBACK; tests/test_audit_purposes.py fails
# on any purpose the code writes that has no label.
AUDIT_PURPOSE_FALLBACK = _l("Case handling")
_NURSE_ORDER = _l("Stoma nurse: decision on your order")
_NURSE_CHANGE = _l("Stoma nurse: decision on your request for another product")
_NURSE_SUPPLIER = _l("Stoma nurse: change of supplier")
_NURSE_CUT_WRONG = _l("Stoma nurse: a delivery that was cut wrongly")
_NURSE_TASK = _l("Stoma nurse: took on a task about you")
_NURSE_MEASURE = _l("Stoma nurse: your cutting measure")
_DISCHARGE_PROPOSAL = _l("Stoma nurse: changes to your stoma details proposed at a discharge from hospital")
_GRANT_END = _l("Municipality: ending a grant")
_GRANT_END_WITHDRAWN = _l("Municipality: withdrawing the ending of your grant")
_NURSE_RECOMMENDATION = _l("Municipality: a stoma nurse's recommendation about your grant")
_MUNICIPAL_ORDER = _l("Municipality: decision on your order")
_API_CLIENTS = _l("Shared service centre: the municipalities' system access")
_CASE_SYSTEM = _l("Municipality's case system")
_CASE_SYSTEM_ORDERS = _l("Municipality's case system: your orders")

AUDIT_PURPOSE = {
    # stoma nurses
    "nurse: clinical profile": _l("Stoma nurse: your stoma, cutting measure and notes"),
    "nurse: order": _NURSE_ORDER,
    "nurse: approve an order": _NURSE_ORDER,
    "nurse: reject an order": _NURSE_ORDER,
    "nurse: product change": _NURSE_CHANGE,
    "nurse: approve a product change": _NURSE_CHANGE,
    "nurse: reject a product change": _NURSE_CHANGE,
    "nurse: advice": _l("Stoma nurse: your question"),
    "nurse: answer a question": _l("Stoma nurse: answer to your question"),
    "nurse: close a conversation": _l("Stoma nurse: closing your question"),
    "nurse: supplier review": _NURSE_SUPPLIER,
    "nurse: supplier-change review": _NURSE_SUPPLIER,
    "nurse: cutting problem": _NURSE_CUT_WRONG,
    "nurse: cutting problem handled": _NURSE_CUT_WRONG,
    "nurse: claim a task": _NURSE_TASK,
    "nurse: take over a task": _NURSE_TASK,
    "nurse: assign a task": _NURSE_TASK,
    "nurse: set the cutting measure": _NURSE_MEASURE,
    "nurse: confirm the cutting measure": _NURSE_MEASURE,
    "nurse: stoma type and date of operation": _l("Stoma nurse: your stoma type and date of operation"),
    "nurse: clinical note": _l("Stoma nurse: a note on your stoma"),
    "nurse: discharge registration": _l("Stoma nurse: registration at your discharge from hospital"),
    "nurse: find a citizen": _l("Stoma nurse: search for a citizen"),
    "nurse: discharge identity check": _l("Stoma nurse: checking who you are at a discharge from hospital"),
    "nurse: discharge identity refused": _l("Stoma nurse: a discharge with your CPR number was refused (the name did not match)"),
    "nurse: discharge proposal": _DISCHARGE_PROPOSAL,
    "nurse: accept a discharge proposal": _DISCHARGE_PROPOSAL,
    "nurse: decline a discharge proposal": _DISCHARGE_PROPOSAL,
    # the citizen herself (her own changes: shown to the callcenter, not as a look-up)
    "citizen: own contact details": _l("You changed your contact details"),
    "citizen: own consent": _l("You changed your consent"),
    # the callcenter
    "callcenter: find citizen": _l("Callcenter: search for a citizen"),
    "callcenter: citizen overview": _l("Callcenter: overview of your orders and grants"),
    "callcenter: nurses' clinical notes": _l("Callcenter: the stoma nurses' notes, with your consent"),
    "callcenter: order status": _l("Callcenter: status of your order"),
    "callcenter: call log": _l("Callcenter: record of your call"),
    "callcenter: order on behalf": _l("Callcenter: an order placed for you"),
    "callcenter: cancel order": _l("Callcenter: cancelling an order"),
    "callcenter: delivery problem": _l("Callcenter: a problem with a delivery"),
    "callcenter: free replacement": _l("Callcenter: a replacement delivery"),
    "callcenter: product change request": _l("Callcenter: your request for another product"),
    "callcenter: transfer to a stoma nurse": _l("Callcenter: your question passed on to a stoma nurse"),
    "callcenter: work queue": _l("Callcenter: your case in the callcenter's work queue"),
    "callcenter: notices": _l("Callcenter: the messages we have sent you"),
    "callcenter: reminder call list": _l("Callcenter: a reminder to order that was not followed by an order"),
    # the municipality
    "Find a citizen (grant officer)": _l("Municipality: search for a citizen"),
    "Citizen's grants and consumption (grant officer)": _l("Municipality: your grants and consumption"),
    "Grant form (grant officer)": _l("Municipality: your grant"),
    "Grant created (grant officer)": _l("Municipality: a new grant"),
    "Grant changed (grant officer)": _l("Municipality: a change of your grant"),
    "Grant ended (grant officer)": _GRANT_END,
    "End a grant form (grant officer)": _GRANT_END,
    "Grant ending withdrawn (grant officer)": _GRANT_END_WITHDRAWN,
    "Withdraw a grant ending form (grant officer)": _GRANT_END_WITHDRAWN,
    "Grant from a discharge (grant officer)": _l("Municipality: a grant after your discharge from hospital"),
    "Discharge recommendation (grant officer)": _l("Municipality: the hospital's recommendation at your discharge"),
    "grant officer: handle a nurse's recommendation": _NURSE_RECOMMENDATION,
    "Nurses' recommendations (grant officer)": _NURSE_RECOMMENDATION,
    "Nurse's recommendation (grant officer)": _NURSE_RECOMMENDATION,
    "grant officer: approve an order": _MUNICIPAL_ORDER,
    "grant officer: reject an order": _MUNICIPAL_ORDER,
    "Order awaiting approval (grant officer)": _MUNICIPAL_ORDER,
    "Case note (grant officer)": _l("Municipality: a note on your case"),
    "Decision letter (grant officer)": _l("Municipality: a decision letter to you"),
    "Statistics: utilisation per citizen (export)": _l("Municipality: statistics on the use of grants"),
    # the warehouse
    "warehouse: packing slip": _l("Warehouse: the packing slip in your parcel"),
    # the shared service centre
    "Audit log search (FSC administrator)": _l("Shared service centre: a check of the log of look-ups"),
    "invoicing": _l("Shared service centre: invoicing"),
    # signing in with MitID (stomi_app/auth/saml_views.py)
    "citizen: signed in with MitID": _l("You logged in with MitID"),
    "security: NemLog-in sign-in refused": _l("Security: a login with MitID was refused"),
    "API client created (FSC)": _API_CLIENTS,
    "API client secret rotated (FSC)": _API_CLIENTS,
    "API client revoked (FSC)": _API_CLIENTS,
    # the municipality's own case system, through the API (municipal_api)
    "API token issued (municipal system)": _CASE_SYSTEM,
    "API call (municipal system)": _CASE_SYSTEM,
    "Grant created (municipal system)": _l("Municipality's case system: a new grant"),
    "Grant changed (municipal system)": _l("Municipality's case system: a change of your grant"),
    "Grant ended (municipal system)": _l("Municipality's case system: your grant ended"),
    "Grant read (municipal system)": _l("Municipality's case system: your grant"),
    "Consumption read (municipal system)": _l("Municipality's case system: your consumption against the grant"),
    "Order statuses read (municipal system)": _CASE_SYSTEM_ORDERS,
    "Orders awaiting approval read (municipal system)": _CASE_SYSTEM_ORDERS,
    # staff accounts (these events are about a member of staff, never a citizen; labelled all the same)
    "staff sign-in": _l("Staff sign-in"),
    "user administration": _l("Shared service centre: staff accounts"),
    "organisation administration": _l("Shared service centre: a municipality's data"),
}


# What a member of staff did, as the audit log's pages show it (the stored code stays in the CSV export, for
# tools). tests/test_audit_labels.py fails on any action the code writes that has no label here.
AUDIT_ACTION = {
    "read": _l("Read"),
    "change": _l("Changed"),
    "search": _l("Searched"),
    "search_refused": _l("Search refused"),
    "export": _l("Exported"),
    "invoice_specification_download": _l("Downloaded an invoice specification"),
    "invoice_mark_sent": _l("Marked an invoice as sent"),
    "invoice_documents_zip_download": _l("Downloaded a month's invoice documents (ZIP)"),
    # sign-in (staff and citizens)
    "login": _l("Logged in"),
    "login-failed": _l("Login refused"),
    "login-2fa-failed": _l("Wrong code at login"),
    "login-locked": _l("Locked after failed logins"),
    "logout": _l("Logged out"),
    "saml sign-in": _l("Logged in with MitID"),
    "password-link-sent": _l("Sent a link to choose a password"),
    "password-set": _l("Chose a new password"),
    "2fa-enrolled": _l("Set up a second factor"),
    "2fa-reset": _l("Reset the second factor"),
    "2fa-policy": _l("Changed which roles need a second factor"),
    # administration
    "user-create": _l("Created a staff account"),
    "user-change": _l("Changed a staff account"),
    "user-activate": _l("Reactivated a staff account"),
    "user-deactivate": _l("Deactivated a staff account"),
    "user-unlock": _l("Lifted a lock-out"),
    "municipality-change": _l("Changed a municipality's data"),
    "hospital-change": _l("Added or changed a hospital"),
}


def audit_action_label(action: str | None) -> str:
    """An audit action in words; an action without a label reads as itself rather than as nothing."""
    return str(AUDIT_ACTION.get(action or "", action or ""))


def staff_purpose_label(purpose: str | None) -> str:
    """An audit purpose in the words the citizen reads, for the FSC's audit log; one without a label stays as the
    code wrote it (the staff reading the log need it exact, where the citizen gets AUDIT_PURPOSE_FALLBACK)."""
    return str(AUDIT_PURPOSE[purpose]) if purpose in AUDIT_PURPOSE else (purpose or "")


def audit_purpose_label(purpose: str | None) -> str:
    """The citizen's reading of an audit purpose, in the current language; unknown ones read as case handling."""
    return str(AUDIT_PURPOSE.get(purpose or "", AUDIT_PURPOSE_FALLBACK))


def label(table: dict, code) -> str:
    key = getattr(code, "value", code)
    return str(table.get(key, key))


# What a run's progress page says of it, by its status (running: how far it has come).
JOB_RUN_PROGRESS = {"queued": _l("Waiting for a worker to start the run."), "running": _l("Running: %(done)s of %(total)s done."),
                    "finished": _l("Finished."), "failed": _l("The run failed.")}


def job_run_progress(run) -> str:
    sentence = str(JOB_RUN_PROGRESS[getattr(run.status, "value", run.status)])
    return sentence % {"done": run.done, "total": run.total or "…"} if "%(" in sentence else sentence


def template_globals() -> dict:
    return {
        "status_label": lambda code: label(ORDER_STATUS, code),
        "period_label": lambda code: label(GRANT_PERIOD, code),
        "stoma_label": lambda code: label(STOMA_TYPE, code),
        "problem_label": lambda code: label(DELIVERY_PROBLEM, code),
        "problem_status_label": lambda code: label(PROBLEM_STATUS, code),
        "problem_status_for_citizen": lambda code: label(PROBLEM_STATUS_FOR_CITIZEN, code),
        "purpose_label": audit_purpose_label,
        "job_run_status_label": lambda code: label(JOB_RUN_STATUS, code),
        "job_run_progress": job_run_progress,
        "request_status_label": lambda code: label(REQUEST_STATUS, code),
        "recommendation_status_label": lambda code: label(RECOMMENDATION_STATUS, code),
        "action_label": audit_action_label,
        "staff_purpose_label": staff_purpose_label,
    }


ROLE = {
    "citizen": _l("Citizen"),
    "nurse": _l("Stoma nurse"),
    "grant_officer": _l("Grant officer"),
    "municipal_manager": _l("Municipal manager"),
    "callcenter": _l("Callcenter agent"),
    "fsc_admin": _l("FSC administrator"),
    "warehouse": _l("Warehouse"),
    "municipal_system": _l("Municipal system (API)"),
}


def role_label(role) -> str:
    """A role's name for people (a Role or its value)."""
    value = getattr(role, "value", role)
    return str(ROLE[value]) if value in ROLE else str(role)
