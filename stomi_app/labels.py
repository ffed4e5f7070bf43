"""Human labels for the domain's codes (statuses, periods, stoma types), shared by every audience."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
GRANT_PERIOD = {"month": _l("per month"), "quarter": _l("per 3 months"), "year": _l("per year")}
STOMA_TYPE = {"colostomy": _l("Colostomy"), "ileostomy": _l("Ileostomy"), "urostomy": _l("Urostomy")}
DELIVERY_PROBLEM = {
    "missing": _l("Something is missing"),
    "wrong": _l("Wrong product"),
    "damaged": _l("Damaged"),
    "cutting": _l("The hole is cut wrong"),
}

ADVICE_STATUS = {"open": _l("Waiting for a stoma nurse"), "answered": _l("Answered"), "closed": _l("Closed")}
REQUEST_STATUS = {"open": _l("Waiting for a stoma nurse"), "approved": _l("Approved"), "rejected": _l("Rejected")}
RECOMMENDATION_KIND = {
    "order": _l("Recommended grant change after an order"),
    "product_change": _l("Recommended product change"),
    "supplier_change": _l("Recommended successor after a supplier change"),
    "discharge": _l("Recommendation at discharge"),
}
RECOMMENDATION_STATUS = {"open": _l("Waiting for the grant officer"), "done": _l("Granted"), "dismissed": _l("Not followed")}
NOTE_KIND = {"skin": _l("Skin"), "leak": _l("Leaks"), "cutting": _l("Cutting"), "other": _l("Other")}


def label(table: dict, code) -> str:
    key = getattr(code, "value", code)
    return str(table.get(key, key))


def template_globals() -> dict:
    return {
        "status_label": lambda code: label(ORDER_STATUS, code),
        "period_label": lambda code: label(GRANT_PERIOD, code),
        "stoma_label": lambda code: label(STOMA_TYPE, code),
        "problem_label": lambda code: label(DELIVERY_PROBLEM, code),
    }
