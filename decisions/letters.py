"""Decision letters (afgørelsesbreve) with appeal guidance: a grant made, changed or ended, an order the municipality
rejected; built on request from the grant's history and the order's decision, as a PDF (reportlab)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from flask_babel import format_date, get_locale, gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalogue.models import Category, Variant
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from grants.models import Grant, GrantChange
from ordering.models import Order, OrderStatus
from stomi_app.models import Role, User
from stomi_app.timeutil import local_date
from flask import Response
from grants.services import grants_in_force
from ordering.services import counting_day

# The decisions a letter is written for; "end_withdrawn" too: the citizen is told the grant goes on.
LETTER_ACTIONS = ("created", "changed", "ended", "end_withdrawn")
COMPLAINT_WEEKS = 4  # Retssikkerhedsloven § 67: a complaint within 4 weeks of receiving the decision


def grant_letters(citizen_id: int) -> list[GrantChange]:
    """Every decision about the citizen's grants, newest first (the citizen's own; the caller scopes the citizen)."""
    return list(db.session.scalars(
        select(GrantChange).join(Grant, Grant.id == GrantChange.grant_id)
        .where(Grant.citizen_id == citizen_id, GrantChange.action.in_(LETTER_ACTIONS))
        .options(selectinload(GrantChange.grant)).order_by(GrantChange.at.desc(), GrantChange.id.desc())))


def grant_letter_of(change_id: int, *, citizen_id: int | None = None, municipality_id: int | None = None) -> GrantChange | None:
    """One grant decision, of this citizen or of a citizen living in this municipality; anybody else's finds nothing."""
    query = (select(GrantChange).join(Grant, Grant.id == GrantChange.grant_id).join(Citizen, Citizen.id == Grant.citizen_id)
             .where(GrantChange.id == change_id, GrantChange.action.in_(LETTER_ACTIONS)))
    if citizen_id is not None:
        query = query.where(Grant.citizen_id == citizen_id)
    if municipality_id is not None:
        query = query.where(Citizen.municipality_id == municipality_id)
    return db.session.scalar(query.options(selectinload(GrantChange.grant)))


def _municipal_rejection():
    return (Order.status == OrderStatus.REJECTED,
            Order.decided_by_id.in_(select(User.id).where(User.role == Role.GRANT_OFFICER)))


def has_order_letter(order: Order) -> bool:
    """Whether the order was rejected by the municipality (a nurse's clinical rejection is no municipal decision)."""
    return order.status is OrderStatus.REJECTED and order.decided_by_id is not None and \
        db.session.get(User, order.decided_by_id).role is Role.GRANT_OFFICER


def order_letter_of(order_id: int, *, citizen_id: int | None = None, municipality_id: int | None = None) -> Order | None:
    query = select(Order).join(Citizen, Citizen.id == Order.citizen_id).where(Order.id == order_id, *_municipal_rejection())
    if citizen_id is not None:
        query = query.where(Order.citizen_id == citizen_id)
    if municipality_id is not None:
        query = query.where(Citizen.municipality_id == municipality_id)
    return db.session.scalar(query.options(selectinload(Order.citizen), selectinload(Order.lines)))


def order_letters(citizen_id: int) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.citizen_id == citizen_id, *_municipal_rejection())
                                   .order_by(Order.decided_at.desc(), Order.id.desc())))


# --- the letter ---------------------------------------------------------------------------------------

@dataclass
class Letter:
    municipality: str
    citizen: Citizen
    decided_on: date
    heading: str
    decision: str
    items: list[str]
    reason: str | None
    legal_basis: str | None


def _day(d: date | str | None) -> str:
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return format_date(d, "d. MMMM yyyy") if d else ""


_PERIOD = {"month": lambda: _("per month"), "quarter": lambda: _("per 3 months"), "year": lambda: _("per year")}


def _granted_items(snapshot: dict) -> list[str]:
    lines = snapshot.get("lines") or []
    variants = {v.id: v for v in db.session.scalars(select(Variant).where(
        Variant.id.in_([ln["variant_id"] for ln in lines if ln.get("variant_id")])).options(selectinload(Variant.product)))}
    categories = {c.id: c for c in db.session.scalars(select(Category).where(
        Category.id.in_([ln["category_id"] for ln in lines if ln.get("category_id")])))}
    items = []
    for ln in lines:
        if ln.get("variant_id") in variants:
            what = variants[ln["variant_id"]].display_name
        elif ln.get("category_id") in categories:
            what = _("Any product in the category %(name)s", name=categories[ln["category_id"]].name(str(get_locale())))
        else:
            continue
        period = _PERIOD.get(ln.get("period"), lambda: "")()
        items.append(_("%(quantity)s packs %(period)s: %(product)s", quantity=ln["quantity"], period=period, product=what))
    return items


def grant_letter(change: GrantChange) -> Letter:
    grant, snap = change.grant, change.snapshot or {}
    start, end = snap.get("valid_from") or grant.valid_from, snap.get("valid_to") or grant.valid_to
    if change.action == "created":
        decision = (_("The municipality grants you stoma supplies from %(start)s to %(end)s.", start=_day(start), end=_day(end))
                    if end else _("The municipality grants you stoma supplies from %(start)s.", start=_day(start)))
    elif change.action == "changed":
        decision = (_("The municipality changes your grant of stoma supplies. It applies from %(start)s to %(end)s.",
                      start=_day(start), end=_day(end)) if end else
                    _("The municipality changes your grant of stoma supplies. It applies from %(start)s.", start=_day(start)))
    elif change.action == "ended":
        decision = _("The municipality ends your grant of stoma supplies. The last day of the grant is %(end)s.", end=_day(end))
    else:
        decision = _("The municipality withdraws the ending of your grant of stoma supplies: the grant continues.")
    items = _granted_items(snap) if change.action in ("created", "changed") else []
    return Letter(grant.municipality.name, grant.citizen, local_date(change.at), _("Decision on stoma supplies"), decision,
                  items, change.reason, snap.get("legal_basis") or grant.legal_basis or None)


def order_letter(order: Order) -> Letter:
    grants = grants_in_force([order.citizen_id], counting_day(order))
    basis = next((g.legal_basis for g in sorted(grants, key=lambda g: (g.valid_from, g.id), reverse=True) if g.legal_basis), None)
    sent = local_date(order.submitted_at) if order.submitted_at else None
    items = [_("%(quantity)s × %(product)s", quantity=ln.quantity, product=ln.product_name) for ln in order.lines]
    return Letter(order.citizen.municipality.name, order.citizen, local_date(order.decided_at),
                  _("Decision on your order of stoma supplies"),
                  _("The municipality rejects your order %(number)s of %(day)s.", number=order.number, day=_day(sent)),
                  items, order.decision_reason, basis)


def appeal_guidance(municipality: str) -> list[str]:
    return [
        _("If you disagree with the decision, you can complain. Send your complaint to %(municipality)s within %(weeks)s "
          "weeks of receiving this decision.", municipality=municipality, weeks=COMPLAINT_WEEKS),
        _("The municipality then reconsiders the decision. If it keeps its decision, it sends your complaint on to "
          "Ankestyrelsen (the National Social Appeals Board), which decides it."),
        _("You can complain in writing or by telephone; the municipality helps you if you ask."),
    ]


def render_pdf(letter: Letter) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=letter.heading, author=letter.municipality)
    styles = getSampleStyleSheet()
    body, h1, h2 = styles["BodyText"], styles["Heading1"], styles["Heading2"]

    def p(text, style=body):  # every text is the user's or ours: escaped, so a "<" in a reason cannot break the layout
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    c = letter.citizen
    story = [p(letter.municipality, h2), p(f"{c.name}\n{c.address}\n{c.postcode} {c.city}"),
             p(_("CPR number: %(cpr)s", cpr=c.cpr_masked)), p(_("Date: %(day)s", day=_day(letter.decided_on))),
             Spacer(1, 6 * mm), p(letter.heading, h1), p(letter.decision)]
    story += [p("– " + item) for item in letter.items]
    story += [p(_("Reason"), h2), p(letter.reason or _("No reason was written."))]
    if letter.legal_basis:
        story += [p(_("Legal basis"), h2), p(letter.legal_basis)]
    story += [p(_("How to complain"), h2)] + [p(text) for text in appeal_guidance(letter.municipality)]
    story += [Spacer(1, 6 * mm), p(_("Kind regards, %(municipality)s", municipality=letter.municipality))]
    doc.build(story)
    return buffer.getvalue()


def filename(kind: str, ref_id: int) -> str:
    return f"afgoerelse-{kind}-{ref_id}.pdf"


def pdf_response(letter: Letter, kind: str, ref_id: int):
    """The letter to open in the browser (or save): inline, named for the decision."""
    return Response(render_pdf(letter), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename(kind, ref_id)}"',
                             "Cache-Control": "no-store"})
