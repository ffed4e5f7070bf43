"""What each kind of notice says in the citizen's inbox, and the health-free message the channels carry."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_date, force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from stomi_app.i18n import lazy_gettext as _l
from ordering.services import ORDER_REASONS, ROUTING_REASONS
from stomi_app.public_url import external_url


class Kind:
    """The notice kinds: one per event the citizen is told of (the value is stored in notice.kind)."""

    ORDER_RECEIVED = "order_received"  # sent and accepted at once, with the expected delivery date
    ORDER_AWAITING_APPROVAL = "order_awaiting_approval"  # sent; waits for approval, and why
    ORDER_APPROVED = "order_approved"
    ORDER_REJECTED = "order_rejected"
    ORDER_SHIPPED = "order_shipped"
    ORDER_DELIVERED = "order_delivered"
    ORDER_DELIVERY_FAILED = "order_delivery_failed"
    DELIVERY_PROBLEM_ANSWERED = "delivery_problem_answered"
    ADVICE_ANSWERED = "advice_answered"
    PRODUCT_CHANGE_APPROVED = "product_change_approved"
    PRODUCT_CHANGE_REJECTED = "product_change_rejected"
    GRANT_CREATED = "grant_created"
    GRANT_CHANGED = "grant_changed"
    GRANT_ENDED = "grant_ended"
    GRANT_END_WITHDRAWN = "grant_end_withdrawn"
    GRANT_ENDING_SOON = "grant_ending_soon"
    REMEASURE_DUE = "remeasure_due"
    SUPPLY_REMINDER = "supply_reminder"


CHANNEL_LABELS = {"email": _l("E-mail"), "sms": _l("SMS"), "digital_post": _l("Digital Post")}
DELIVERY_LABELS = {"pending": _l("waiting to be sent"), "sent": _l("sent"), "failed": _l("could not be sent"),
                   "skipped": _l("not sent (no address, or the channel is not connected)")}


def _day(params: dict, name: str) -> str:
    value = params.get(name)
    return format_date(date.fromisoformat(value), "d. MMMM yyyy") if value else "?"


def _reasons(params: dict) -> list[str]:
    """The routing reasons in the words the citizen's own order pages use (ordering.services's one table)."""
    wording = {**ROUTING_REASONS, **ORDER_REASONS}
    return [str(wording[code]) for code in params.get("reasons", []) if code in wording]


def title(kind: str, params: dict) -> str:
    number = params.get("number", "")
    titles = {
        Kind.ORDER_RECEIVED: lambda: _("We have received your order %(number)s", number=number),
        Kind.ORDER_AWAITING_APPROVAL: lambda: _("Your order %(number)s must be approved", number=number),
        Kind.ORDER_APPROVED: lambda: _("Your order %(number)s has been approved", number=number),
        Kind.ORDER_REJECTED: lambda: _("Your order %(number)s was not approved", number=number),
        Kind.ORDER_SHIPPED: lambda: _("Your order %(number)s is on its way", number=number),
        Kind.ORDER_DELIVERED: lambda: _("Your order %(number)s has been delivered", number=number),
        Kind.ORDER_DELIVERY_FAILED: lambda: _("Your order %(number)s could not be delivered", number=number),
        Kind.DELIVERY_PROBLEM_ANSWERED: lambda: _("Your report about order %(number)s has been handled", number=number),
        Kind.ADVICE_ANSWERED: lambda: _("A stoma nurse has answered your question"),
        Kind.PRODUCT_CHANGE_APPROVED: lambda: _("Your request for another product has been approved"),
        Kind.PRODUCT_CHANGE_REJECTED: lambda: _("Your request for another product was not approved"),
        Kind.GRANT_CREATED: lambda: _("Your municipality has granted you stoma supplies"),
        Kind.GRANT_CHANGED: lambda: _("Your grant has been changed"),
        Kind.GRANT_ENDED: lambda: _("Your grant will end"),
        Kind.GRANT_END_WITHDRAWN: lambda: _("Your grant will not end after all"),
        Kind.GRANT_ENDING_SOON: lambda: _("Your grant ends on %(day)s", day=_day(params, "valid_to")),
        Kind.REMEASURE_DUE: lambda: _("Time to measure your stoma again"),
        Kind.SUPPLY_REMINDER: lambda: _("Time to order: your supplies last until about %(day)s",
                                        day=_day(params, "runs_out")),
    }
    return titles[kind]() if kind in titles else _("Message about your stoma supplies")


def body(kind: str, params: dict) -> list[str]:
    """The notice's paragraphs (plain text; the page escapes them)."""
    reason = params.get("reason")
    if kind == Kind.ORDER_RECEIVED:
        return [_("Your order is within your grant and has been sent to the warehouse."),
                _("It is expected to arrive on about %(day)s.", day=_day(params, "expected"))]
    if kind == Kind.ORDER_AWAITING_APPROVAL:
        return [_("We have received your order. It must be approved before it is sent, because:"), *_reasons(params),
                _("You will get a message when it has been decided.")]
    if kind == Kind.ORDER_APPROVED:
        parts = [_("Your order has been approved and sent to the warehouse."),
                 _("It is expected to arrive on about %(day)s.", day=_day(params, "expected"))]
        if params.get("grant_changed"):
            parts.insert(0, _("Your grant was changed, so the order now fits within it."))
        if reason:
            parts.append(_("From the stoma nurse: %(reason)s", reason=reason))
        return parts
    if kind == Kind.ORDER_REJECTED:
        return [_("Reason: %(reason)s", reason=reason or "-"),
                _("Call the callcenter on %(phone)s if you have questions.", phone=current_app.config["CALLCENTER_PHONE"])]
    if kind == Kind.ORDER_SHIPPED:
        return [_("The carrier %(carrier)s brings it. Tracking number: %(tracking)s.",
                  carrier=params.get("carrier", ""), tracking=params.get("tracking", ""))]
    if kind == Kind.ORDER_DELIVERED:
        return [_("If something is missing or wrong, report it on the order's page.")]
    if kind == Kind.ORDER_DELIVERY_FAILED:
        return [_("The carrier could not deliver it. Call the callcenter on %(phone)s.",
                  phone=current_app.config["CALLCENTER_PHONE"])]
    if kind == Kind.DELIVERY_PROBLEM_ANSWERED:
        return [_("The problem you reported has been handled. See the order's page.")]
    if kind == Kind.ADVICE_ANSWERED:
        return [_("Read the answer under \"Ask a stoma nurse\".")]
    if kind in (Kind.PRODUCT_CHANGE_APPROVED, Kind.PRODUCT_CHANGE_REJECTED):
        parts = [_("The product you asked for: %(product)s.", product=params.get("product", ""))]
        if kind == Kind.PRODUCT_CHANGE_APPROVED and params.get("effect") == "recommended":
            parts.append(_("Your municipality will now change your grant."))
        if reason:
            parts.append(_("From the stoma nurse: %(reason)s", reason=reason))
        return parts
    if kind in (Kind.GRANT_CREATED, Kind.GRANT_CHANGED, Kind.GRANT_END_WITHDRAWN):
        return [_("See what you can order on your start page.")]
    if kind == Kind.GRANT_ENDED:
        return [_("The last day of your grant is %(day)s.", day=_day(params, "valid_to")),
                _("Contact your municipality if you still need supplies after that.")]
    if kind == Kind.GRANT_ENDING_SOON:
        return [_("Contact your municipality if you still need supplies after that.")]
    if kind == Kind.REMEASURE_DUE:
        return [_("Your stoma may have changed size since your operation. Measure it again, or ask a stoma nurse, "
                  "so your baseplates are cut right.")]
    if kind == Kind.SUPPLY_REMINDER:
        return [_("Going by your deliveries and your grant, your %(products)s last until about %(day)s.",
                  products=", ".join(params.get("products", [])), day=_day(params, "runs_out")),
                _("Order the same again: you will see the order and confirm it before it is sent.")]
    return []


# --- the message a channel carries: never a health detail (GDPR art. 9) --------------------------

@dataclass
class Outgoing:
    """The same few words on every channel: that there is a message, and where to read it after logging in."""

    language: str
    subject: str
    text: str
    html: str
    sms: str
    link: str


def notice_link(notice_id: int) -> str:
    """The notice's page in the portal, as an absolute address from STOMI_PUBLIC_URL (mails are read elsewhere)."""
    return external_url("citizen_portal.notice", notice_id=notice_id)


def outgoing(notice, language: str) -> Outgoing:
    """The message for the channels, in `language`: the notice's own text stays in the portal."""
    link = notice_link(notice.id)
    with force_locale(language if language in ("da", "en") else "da"):
        name = notice.citizen.name
        subject = _("New message about your stoma supplies")
        greeting = _("Dear %(name)s", name=name)
        lines = [_("You have a new message about your stoma supplies."),
                 _("Log in to read it:")]
        closing = [_("If you cannot log in, call the callcenter on %(phone)s (%(hours)s).",
                     phone=current_app.config["CALLCENTER_PHONE"], hours=current_app.config["CALLCENTER_HOURS"]),
                   _("Kind regards"), _("The stoma supply service")]
        sms = _("You have a new message about your stoma supplies. Log in to read it: %(link)s", link=link)
    text = "\n\n".join([greeting, " ".join(lines), link, closing[0], f"{closing[1]}\n{closing[2]}"]) + "\n"
    # Letter-like and large (a reader of 78 with reading glasses): one column, 20px text, a plain link. Mail clients
    # ignore style sheets, so the styles sit on the elements; this is e-mail, not a page under the site's CSP.
    p = '<p style="font-size:20px;line-height:1.5;margin:0 0 16px 0">'
    html = (
        '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{subject}</title></head>'
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;background:#ffffff;margin:0;padding:24px">'
        '<div style="max-width:640px">{p}{greeting},</p>{p}{lines}</p>'
        '{p}<a href="{link}" style="color:#0059b3;font-weight:bold">{link}</a></p>{p}{help}</p>{p}{regards}<br>{sender}</p>'
        '</div></body></html>'
    ).format(lang=escape(language), subject=escape(subject), p=Markup(p), greeting=escape(greeting),
             lines=escape(" ".join(lines)), link=escape(link), help=escape(closing[0]), regards=escape(closing[1]),
             sender=escape(closing[2]))
    return Outgoing(language=language, subject=subject, text=text, html=html, sms=sms, link=link)
