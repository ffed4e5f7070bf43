"""Grant rules: creating, changing and ending grants, and consumption control against them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from catalogue.models import Category, Product, Variant
from stomi_app import audit, signals
from stomi_app.db import UTCDateTime, utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models.citizen import Citizen, lock_citizen
from stomi_app.models import Role, User
from grants.models import CaseNote, Grant, GrantChange, GrantLine, GrantPeriod, GrantStatus
from stomi_app.text import clean_text

from ordering.models import COUNTING_STATUSES, Order, OrderLine, OrderStatus
from stomi_app.timeutil import add_months, local_today, start_of_local_day_utc
from stomi_app.userinput import MAX_AMOUNT_OERE
from grants.models import GRANT_FLOW
from stomi_app import cpr
from stomi_app.models import Municipality
from stomi_app.money import format_money

MAX_QUANTITY = 999
# How far back a grant decision may reach: a new start, or a start or end moved, takes effect at most 3 months before
# the day it is decided. A backdated grant covers the time from the operation to the decision (the hospital gives the
# first weeks' supplies and the casework takes a few weeks); 3 months covers that with room to spare. Further back,
# the decision would re-open months whose orders were judged, delivered and invoiced against the grant as it stood:
# the municipality's decision is not retroactive beyond what can still be corrected. Within the 3 months, a month
# already invoiced is protected on its own (_check_invoiced_months): the FSC credits the invoice first.
MAX_MONTHS_BACK = 3


def price_ceiling_too_high():
    """The message for a price ceiling above MAX_AMOUNT_OERE, with the bound as money (the form's and the rule's)."""
    return _l("A price ceiling can be at most %(max)s.", max=format_money(MAX_AMOUNT_OERE))


class GrantError(DomainError):
    """A grant that breaks a rule; `field` names the form field the message belongs to (None: the whole grant)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__({field or "": message})
        self.message = message
        self.field = field


class GrantAccessDenied(Exception):
    """The officer is not from the citizen's municipality (shown as 404: no existence leak)."""


@dataclass(frozen=True)
class GrantLineInput:
    quantity: int
    period: GrantPeriod
    variant_id: int | None = None
    category_id: int | None = None
    price_ceiling_oere: int | None = None


@dataclass
class LineUse:
    """Consumption of one grant line in its current period."""

    line: GrantLine
    period_start: date
    period_end: date  # exclusive
    used_quantity: int = 0
    used_oere: int = 0

    @property
    def period_last(self) -> date:
        """The period's last day (period_end is exclusive)."""
        return self.period_end - timedelta(days=1)

    @property
    def remaining_quantity(self) -> int:
        return max(self.line.quantity - self.used_quantity, 0)

    @property
    def remaining_oere(self) -> int | None:
        if self.line.price_ceiling_oere is None:
            return None
        return max(self.line.price_ceiling_oere - self.used_oere, 0)

    @property
    def utilisation(self) -> float:
        return self.used_quantity / self.line.quantity if self.line.quantity else 0.0


def period_bounds(period: GrantPeriod, on: date) -> tuple[date, date]:
    """The calendar period containing `on`: [start, end) in local dates."""
    if period is GrantPeriod.MONTH:
        start = date(on.year, on.month, 1)
    elif period is GrantPeriod.QUARTER:
        start = date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
    else:
        start = date(on.year, 1, 1)
    return start, add_months(start, period.months)


def _check_officer(officer: User, citizen: Citizen) -> None:
    # The municipality's case system (the API) decides as its grant officers do, for its own citizens only.
    if officer.role not in (Role.GRANT_OFFICER, Role.MUNICIPAL_SYSTEM) or officer.municipality_id != citizen.municipality_id:
        raise GrantAccessDenied()


def _validate(valid_from: date, valid_to: date | None, legal_basis: str, lines: list[GrantLineInput], reason: str) -> None:
    if not (legal_basis or "").strip():
        raise GrantError(_l("Enter the legal basis, e.g. Serviceloven § 112."), "legal_basis")
    if valid_to is not None and valid_to < valid_from:
        raise GrantError(_l("The end date must be on or after the start date."), "valid_to")
    if not (reason or "").strip():
        raise GrantError(_l("Write why (the citizen and colleagues will read it)."), "reason")
    if not lines:
        raise GrantError(_l("A grant needs at least one line."), "lines")
    seen = set()
    for line in lines:
        if (line.variant_id is None) == (line.category_id is None):
            raise GrantError(_l("Each line is either a product variant or a category."), "lines")
        if not (0 < line.quantity <= MAX_QUANTITY):
            raise GrantError(_l("The quantity must be a whole number from 1 to %(max)s.", max=MAX_QUANTITY), "lines")
        if line.price_ceiling_oere is not None and line.price_ceiling_oere <= 0:
            raise GrantError(_l("A price ceiling must be above 0 kr."), "lines")
        if line.price_ceiling_oere is not None and line.price_ceiling_oere > MAX_AMOUNT_OERE:
            raise GrantError(price_ceiling_too_high(), "lines")
        key = (line.variant_id, line.category_id)
        if key in seen:
            raise GrantError(_l("The same product or category is on two lines."), "lines")
        seen.add(key)
        if line.variant_id is not None and db.session.get(Variant, line.variant_id) is None:
            raise GrantError(_l("Unknown product variant."), "lines")
        if line.category_id is not None and db.session.get(Category, line.category_id) is None:
            raise GrantError(_l("Unknown category."), "lines")


def earliest_effect(today: date) -> date:
    """The first day a grant decision made `today` may take effect from (MAX_MONTHS_BACK months back, inclusive)."""
    return add_months(today, -MAX_MONTHS_BACK)


def _too_far_back(field: str | None, today: date) -> GrantError:
    first = earliest_effect(today).isoformat()
    if field == "valid_from":
        message = _l("The start can be at most %(months)s months back, so %(day)s at the earliest: a grant decision does "
                     "not reach further back than what can still be corrected.", months=MAX_MONTHS_BACK, day=first)
    else:
        message = _l("The last day can be at most %(months)s months back, so %(day)s at the earliest: a grant decision "
                     "does not reach further back than what can still be corrected.", months=MAX_MONTHS_BACK,
                     day=(earliest_effect(today) - timedelta(days=1)).isoformat())
    return GrantError(message, field)


def _check_dates(citizen: Citizen, grant: Grant | None, valid_from: date, valid_to: date | None, *,
                 end_field: str | None = "valid_to", today: date | None = None) -> None:
    """The dates of a new grant, or of a grant's new version: within MAX_MONTHS_BACK, not before the operation, and no
    invoiced month changed. An unchanged date of an older grant is history and is left alone."""
    today = today or local_today()
    earliest = earliest_effect(today)
    old_from, old_to = (grant.valid_from, grant.valid_to) if grant is not None else (None, None)
    if grant is None or valid_from != old_from:
        # A start moved either way changes the days from the earlier of the two.
        if min(valid_from, old_from or valid_from) < earliest:
            raise _too_far_back("valid_from", today)
        if citizen.operation_date is not None and valid_from < citizen.operation_date:
            raise GrantError(_l("The grant cannot start before the operation on %(day)s.",
                                day=citizen.operation_date.isoformat()), "valid_from")
    if grant is not None and valid_to != old_to:
        # An end moved changes the days after the earlier of the two last days (None: no last day).
        changed_from = min(d for d in (valid_to, old_to) if d is not None) + timedelta(days=1)
        if changed_from < earliest:
            raise _too_far_back(end_field, today)
    _check_invoiced_months(citizen, grant, valid_from, valid_to, end_field)


def date_problems(citizen: Citizen, grant: Grant | None, valid_from: date, valid_to: date | None) -> list[GrantError]:
    """The date rules of create_grant/change_grant as a list instead of a raise: a form whose other fields have
    problems shows these with them, so the officer fixes everything in one go (nothing is checked twice: the
    service still checks on saving)."""
    if valid_to is not None and valid_to < valid_from:
        return [GrantError(_l("The end date must be on or after the start date."), "valid_to")]
    try:
        _check_dates(citizen, grant, valid_from, valid_to)
    except GrantError as exc:
        return [exc]
    return []


def _check_invoiced_months(citizen: Citizen, grant: Grant | None, valid_from: date, valid_to: date | None,
                           end_field: str | None) -> None:
    """Refuse a change of dates that would change the citizen fee of a month already invoiced (the citizen counted
    or not, invoicing.charges.citizens_with_grant_query): the invoice must be credited first, never repriced by a
    later run without anyone knowing."""
    # Invoicing builds on grants, not the other way round: it answers the question (stomi_app.signals).
    months = signals.answers(signals.invoiced_months, citizen.municipality_id)
    if not months:
        return
    others = list(db.session.scalars(select(Grant).where(
        Grant.citizen_id == citizen.id, *([Grant.id != grant.id] if grant is not None and grant.id else []))))
    proposed = Grant(valid_from=valid_from, valid_to=valid_to)
    for month, number in sorted(months.items()):
        last = add_months(month, 1) - timedelta(days=1)
        if any(g.in_force_during(month, last) for g in others):
            continue  # counted anyway, by another grant
        before = grant is not None and grant.in_force_during(month, last)
        if before != proposed.in_force_during(month, last):
            start_moved = grant is None or (valid_from != grant.valid_from
                                            and min(valid_from, grant.valid_from) <= last
                                            and max(valid_from, grant.valid_from) >= month)
            raise GrantError(_l("%(month)s has been invoiced (invoice %(number)s) with the citizen's fee as the grant "
                                "stood, and this date would change it. The service centre (FSC) must first issue a "
                                "credit note for invoice %(number)s; then the grant can be changed and the month is "
                                "invoiced again.", month=month.strftime("%Y-%m"), number=number),
                             "valid_from" if start_moved else end_field)


def _snapshot(grant: Grant, lines: list[GrantLineInput], decided_by: str | None = None) -> dict:
    # decided_by: the case worker a municipality's case system names (the API); the officer's own decisions need none.
    return {**({"decided_by": decided_by} if decided_by else {}),
        "legal_basis": grant.legal_basis,
        "valid_from": grant.valid_from.isoformat(),
        "valid_to": grant.valid_to.isoformat() if grant.valid_to else None,
        "express_per_year": grant.express_per_year,
        "paying_municipality_id": grant.paying_municipality_id or grant.municipality_id,
        "follow_up_on": grant.follow_up_on.isoformat() if grant.follow_up_on else None,
        "lines": [
            {"variant_id": l.variant_id, "category_id": l.category_id, "quantity": l.quantity,
             "period": l.period.value, "price_ceiling_oere": l.price_ceiling_oere}
            for l in lines
        ],
    }


def _add_lines(grant: Grant, lines: list[GrantLineInput]) -> None:
    for line in lines:
        grant.all_lines.append(GrantLine(
            variant_id=line.variant_id, category_id=line.category_id, quantity=line.quantity,
            period=line.period, price_ceiling_oere=line.price_ceiling_oere,
        ))


def _lock(citizen: Citizen) -> None:
    """Take the citizen's row lock before writing: the grant's rows would take a key-share lock on it first, and two
    decisions at once (two officers, or a case system's retries) would then deadlock on reevaluate_waiting_orders'
    lock instead of waiting their turn."""
    lock_citizen(citizen.id)


KEEP = object()  # a change that does not name the paying municipality or the follow-up date keeps them


def _case_fields(acting_id: int, paying_municipality_id, follow_up_on, before: date | None = None) -> tuple[int | None, date | None]:
    """The paying municipality (None when it is the acting one) and the follow-up date, checked (a date the grant
    had before and keeps is no new decision, even when it has passed)."""
    if paying_municipality_id is not None and db.session.get(Municipality, paying_municipality_id) is None:
        raise GrantError(_l("Choose a municipality from the list."), "paying_municipality_id")
    if follow_up_on is not None and follow_up_on != before and follow_up_on < local_today():
        raise GrantError(_l("A follow-up date is today or later."), "follow_up_on")
    return (None if paying_municipality_id in (None, acting_id) else paying_municipality_id), follow_up_on


def create_grant(officer: User, citizen: Citizen, *, legal_basis: str, valid_from: date, valid_to: date | None,
                 lines: list[GrantLineInput], reason: str, express_per_year: int = 2, decided_by: str | None = None,
                 paying_municipality_id: int | None = None, follow_up_on: date | None = None) -> Grant:
    _check_officer(officer, citizen)
    _lock(citizen)
    _validate(valid_from, valid_to, legal_basis, lines, reason)
    _check_dates(citizen, None, valid_from, valid_to)
    paying, follow_up = _case_fields(citizen.municipality_id, paying_municipality_id, follow_up_on)
    grant = Grant(citizen=citizen, municipality_id=citizen.municipality_id, legal_basis=legal_basis.strip(),
                  valid_from=valid_from, valid_to=valid_to, express_per_year=express_per_year, created_by=officer,
                  status=GrantStatus.ACTIVE, version=1, paying_municipality_id=paying, follow_up_on=follow_up)
    _add_lines(grant, lines)
    db.session.add(grant)
    db.session.add(GrantChange(grant=grant, version=1, action="created", by=officer, reason=reason.strip(),
                               snapshot=_snapshot(grant, lines, decided_by)))
    db.session.flush()
    signals.grant_changed.send(grant, action="created", version=grant.version)
    return grant


def change_grant(officer: User, grant: Grant, *, legal_basis: str, valid_from: date, valid_to: date | None,
                 lines: list[GrantLineInput], reason: str, express_per_year: int | None = None,
                 decided_by: str | None = None, paying_municipality_id=KEEP, follow_up_on=KEEP) -> Grant:
    """Make a new version of the grant: old lines are kept as replaced, the history records why."""
    _check_officer(officer, grant.citizen)
    _lock(grant.citizen)
    if grant.status is not GrantStatus.ACTIVE:
        if grant.ending_withdrawable(local_today()):
            raise GrantError(_l("The grant has been ended with %(day)s as its last day. Withdraw the ending first to change it.",
                                day=grant.valid_to.isoformat()), None)
        raise GrantError(_l("An ended grant cannot be changed; make a new grant."), None)
    _validate(valid_from, valid_to, legal_basis, lines, reason)
    _check_dates(grant.citizen, grant, valid_from, valid_to)
    paying, follow_up = _case_fields(
        grant.municipality_id,
        (grant.paying_municipality_id if paying_municipality_id is KEEP else paying_municipality_id),
        (grant.follow_up_on if follow_up_on is KEEP else follow_up_on), before=grant.follow_up_on)
    grant.paying_municipality_id, grant.follow_up_on = paying, follow_up
    now = utcnow()
    for line in grant.all_lines:
        if line.replaced_at is None:
            line.replaced_at = now
    grant.legal_basis = legal_basis.strip()
    grant.valid_from, grant.valid_to = valid_from, valid_to
    if express_per_year is not None:
        grant.express_per_year = express_per_year
    grant.version += 1
    _add_lines(grant, lines)
    db.session.add(GrantChange(grant=grant, version=grant.version, action="changed", by=officer, reason=reason.strip(),
                               snapshot=_snapshot(grant, lines, decided_by)))
    db.session.flush()
    db.session.expire(grant, ["lines"])
    signals.grant_changed.send(grant, action="changed", version=grant.version)
    return grant


def end_grant(officer: User, grant: Grant, *, end_date: date, reason: str, decided_by: str | None = None) -> Grant:
    """Decide the grant's last day. It stays in force through that day (Grant.in_force_on: ordering, consumption,
    statistics and invoicing alike), and until then the ending can be withdrawn (withdraw_ending)."""
    _check_officer(officer, grant.citizen)
    _lock(grant.citizen)
    if grant.status is not GrantStatus.ACTIVE:
        raise GrantError(_l("The grant has already ended."), None)
    if end_date < grant.valid_from:
        raise GrantError(_l("The end date must be on or after the start date."), "end_date")
    if not (reason or "").strip():
        raise GrantError(_l("Write why (the citizen and colleagues will read it)."), "reason")
    last_day = end_date if grant.valid_to is None else min(grant.valid_to, end_date)
    _check_dates(grant.citizen, grant, grant.valid_from, last_day, end_field="end_date")
    grant.valid_to = last_day
    GRANT_FLOW.move(grant, GrantStatus.ENDED)
    grant.ended_at, grant.ended_by_id, grant.end_reason = utcnow(), officer.id, reason.strip()
    grant.version += 1
    current = [GrantLineInput(l.quantity, l.period, l.variant_id, l.category_id, l.price_ceiling_oere) for l in grant.lines]
    db.session.add(GrantChange(grant=grant, version=grant.version, action="ended", by=officer, reason=reason.strip(),
                               snapshot=_snapshot(grant, current, decided_by)))
    db.session.flush()
    signals.grant_changed.send(grant, action="ended", version=grant.version)
    return grant


def withdraw_ending(officer: User, grant: Grant, *, reason: str, today: date | None = None) -> Grant:
    """Undo an ending that has not taken effect (today is on or before its last day): the grant runs to the last day
    it had before the ending (none, or a fixed term), as a new version with the reason in the history."""
    _check_officer(officer, grant.citizen)
    today = today or local_today()
    if grant.status is not GrantStatus.ENDED:
        raise GrantError(_l("The grant has not been ended, so there is no ending to withdraw."), None)
    if not grant.ending_withdrawable(today):
        raise GrantError(_l("The ending took effect after %(day)s and can no longer be withdrawn; make a new grant.",
                            day=grant.valid_to.isoformat()), None)
    if not (reason or "").strip():
        raise GrantError(_l("Write why (the citizen and colleagues will read it)."), "reason")
    before = next((c for c in reversed(grant.changes) if c.action != "ended" and c.version < grant.version), None)
    previous_to = before.snapshot.get("valid_to") if before is not None else None
    restored = date.fromisoformat(previous_to) if previous_to else None
    if restored is not None and restored < grant.valid_to:
        restored = grant.valid_to  # never shorter than the ending made it
    _check_dates(grant.citizen, grant, grant.valid_from, restored, end_field=None, today=today)
    GRANT_FLOW.move(grant, GrantStatus.ACTIVE)
    grant.valid_to = restored
    grant.ended_at = grant.ended_by_id = grant.end_reason = None
    grant.version += 1
    current = [GrantLineInput(l.quantity, l.period, l.variant_id, l.category_id, l.price_ceiling_oere) for l in grant.lines]
    db.session.add(GrantChange(grant=grant, version=grant.version, action="end_withdrawn", by=officer,
                               reason=reason.strip(), snapshot=_snapshot(grant, current)))
    db.session.flush()
    signals.grant_changed.send(grant, action="end_withdrawn", version=grant.version)
    return grant


def grants_in_force(citizen_ids: list[int], on: date) -> list[Grant]:
    query = (
        select(Grant)
        .where(Grant.citizen_id.in_(citizen_ids), Grant.in_force_on(on))
        # Two round trips whatever the number of grants and lines: the grants, then their lines with products.
        .options(selectinload(Grant.lines).options(joinedload(GrantLine.variant).joinedload(Variant.product),
                                                   joinedload(GrantLine.category)))
        .order_by(Grant.valid_from, Grant.id)
    )
    return list(db.session.scalars(query))


def matching_line(lines: list[GrantLine], variant_id: int, category_id: int) -> GrantLine | None:
    """The grant line an ordered variant counts against: the variant's own line wins over its category's."""
    by_category = None
    for line in lines:
        if line.variant_id == variant_id:
            return line
        if line.category_id == category_id and by_category is None:
            by_category = line
    return by_category


def counts_against_grant():
    """The orders that use up a grant: submitted (pending ones too) and not rejected or cancelled
    (COUNTING_STATUSES), and not a free replacement. One definition for consumption_for and its SQL twin."""
    return and_(Order.status.in_(COUNTING_STATUSES), Order.is_replacement.is_(False))


def consumption_for(citizen_ids: list[int], on: date, exclude_order_id: int | None = None) -> dict[int, list[LineUse]]:
    """Used and remaining per grant line in its current period, for each citizen: the one function every screen uses.

    Orders count from submission (pending ones too) until rejected or cancelled; free replacements never count.
    An ordered variant counts against its own grant line before a line for its category (matching_line); a line
    counts the orders submitted within its period (period_bounds) containing `on`. `utilisation_by_line` computes
    the same figures in one SQL aggregate for whole municipalities; a test keeps the two equal.
    """
    grants = grants_in_force(citizen_ids, on)
    result: dict[int, list[LineUse]] = defaultdict(list)
    lines_by_citizen: dict[int, list[GrantLine]] = defaultdict(list)
    for grant in grants:
        for line in grant.lines:
            # `lines` is a view-only filter of `all_lines`, so it does not fill the line's way back to its grant:
            # set it here, or every caller that reads line.grant pays a query per line.
            set_committed_value(line, "grant", grant)
            start, end = period_bounds(line.period, on)
            result[grant.citizen_id].append(LineUse(line, start, end))
            lines_by_citizen[grant.citizen_id].append(line)
    if not lines_by_citizen:
        return result
    year_start = start_of_local_day_utc(date(on.year, 1, 1))
    year_end = start_of_local_day_utc(date(on.year + 1, 1, 1))
    query = (
        select(Order.citizen_id, Order.submitted_at, OrderLine.variant_id, Product.category_id,
               OrderLine.quantity, OrderLine.unit_price_oere)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(Order.citizen_id.in_(list(lines_by_citizen)), counts_against_grant(),
               Order.submitted_at >= year_start, Order.submitted_at < year_end)
    )
    if exclude_order_id is not None:
        query = query.where(Order.id != exclude_order_id)
    uses_by_line = {id(u.line): u for uses in result.values() for u in uses}
    bounds = {id(u.line): (start_of_local_day_utc(u.period_start), start_of_local_day_utc(u.period_end))
              for u in uses_by_line.values()}
    for citizen_id, submitted_at, variant_id, category_id, quantity, price in db.session.execute(query):
        line = matching_line(lines_by_citizen[citizen_id], variant_id, category_id)
        if line is None:
            continue
        use = uses_by_line[id(line)]
        start, end = bounds[id(line)]
        if start <= submitted_at < end:
            use.used_quantity += quantity
            use.used_oere += quantity * price
    return result


def consumption(citizen_id: int, on: date, exclude_order_id: int | None = None) -> list[LineUse]:
    return consumption_for([citizen_id], on, exclude_order_id).get(citizen_id, [])


def citizens_near_or_over(municipality_id: int, on: date, threshold: float = 0.8) -> list[tuple[Citizen, LineUse]]:
    """Citizens of one municipality with a grant line at or above `threshold` of its quantity this period.

    By the citizen's home municipality, not the grant's issuer: after a move the old municipality has no access.
    Counted in SQL by utilisation_by_line (a test keeps it equal to consumption_for), so a municipality with a
    thousand citizens is one aggregate query, not their whole year of order lines read into Python.
    """
    usage = utilisation_by_line(on, [municipality_id]).subquery()
    per_mille = round(threshold * 1000)  # whole numbers on both sides: no float rounding at the boundary
    hits = db.session.execute(
        select(usage.c.citizen_id, usage.c.line_id, usage.c.used, usage.c.used_oere)
        .where(usage.c.used * 1000 >= usage.c.granted * per_mille)
    ).all()
    if not hits:
        return []
    lines = {line.id: line for line in db.session.scalars(
        select(GrantLine).where(GrantLine.id.in_([h.line_id for h in hits]))
        .options(joinedload(GrantLine.variant).joinedload(Variant.product), joinedload(GrantLine.category))
    )}
    citizens = {c.id: c for c in db.session.scalars(select(Citizen).where(Citizen.id.in_({h.citizen_id for h in hits})))}
    rows = []
    for hit in hits:
        line = lines[hit.line_id]
        start, end = period_bounds(line.period, on)
        rows.append((citizens[hit.citizen_id], LineUse(line, start, end, int(hit.used), int(hit.used_oere))))
    rows.sort(key=lambda r: (-r[1].utilisation, r[0].name, r[1].line.id))
    return rows


# "Sent before" for an order not yet sent: every order sent so far is before it.
NOT_YET_SENT = datetime(9999, 1, 1, tzinfo=timezone.utc)


def line_usage(citizen_id: int, on: date, exclude_order_id: int | None = None,
               sent_before: datetime | None = None) -> list:
    """One citizen's grant lines in force on `on` with what is used of them: utilisation_by_line's rows, in
    grants_in_force's order (which matching_line relies on). The order check's one round trip for the grant.

    Each row also has `last_ordinary_at`: when the citizen's last order that counts against the grant was sent (other
    than `exclude_order_id`, and before `sent_before` when judging an order already sent; None if none), read in the
    same snapshot as the use, after the caller's lock.
    """
    if db.session.autoflush:  # as session.execute would; the connection's own execute skips the ORM's layer
        db.session.flush()
    rows = db.session.connection().execute(
        _line_usage_statement(on), {"citizen_id": citizen_id, "exclude_order_id": exclude_order_id or 0,
                                    "sent_before": sent_before or NOT_YET_SENT})
    return sorted(rows, key=lambda row: (row.valid_from, row.grant_id, row.line_id))


@lru_cache(maxsize=4)
def _line_usage_statement(on: date):
    # Built once per day and reused: building this statement and its cache key costs several times more than
    # running it, and every order pays for it. Order ids start at 1, so 0 excludes nothing.
    usage = utilisation_by_line(on, citizen_id=bindparam("citizen_id"), exclude_order_id=bindparam("exclude_order_id"),
                                sent_before=bindparam("sent_before", type_=UTCDateTime()))
    last = last_ordinary_order(bindparam("citizen_id"), bindparam("exclude_order_id"),
                               bindparam("sent_before", type_=UTCDateTime()))
    return select(usage.subquery(), last.scalar_subquery().label("last_ordinary_at"))


def last_ordinary_order(citizen_id, exclude_order_id, sent_before=None):
    """When the citizen's last order that counts against the grant was sent, other than `exclude_order_id` (and,
    with `sent_before`, before that moment: an order is judged by the orders sent before it, not by later ones)."""
    query = select(func.max(Order.submitted_at)).where(
        Order.citizen_id == citizen_id, counts_against_grant(), Order.id != exclude_order_id)
    return query.where(Order.submitted_at < sent_before) if sent_before is not None else query


def _in_force_on(on: date):
    return and_(Grant.in_force_on(on), GrantLine.replaced_at.is_(None))


def utilisation_by_line(on: date, municipality_ids: list[int] | None = None, *, citizen_id=None, exclude_order_id=None,
                        sent_before=None):
    """consumption_for in one SQL aggregate, for every citizen of the given home municipalities (None: all), or of one
    citizen (`citizen_id`, with `exclude_order_id`: the order check's `line_usage`).

    A SELECT with one row per grant line in force on `on`: municipality_id, citizen_id, line_id, granted
    (the line's quantity), used (packs) and used_oere, and the line's own terms (grant_id, valid_from, variant_id,
    category_id, period, price_ceiling_oere), counted by the same rules as consumption_for: the orders
    of `counts_against_grant()`, each order line matched to the citizen's first line for its variant, else the
    first for its category (grants by valid_from and id, lines by id, as grants_in_force orders them), and
    counted when the order was submitted within that line's own period containing `on`. Each citizen's orders are
    read from the start of the longest period among their lines (this month, quarter or year) only, so the cost
    does not grow with history. With `sent_before` (the order check's), only orders sent before that moment count:
    an order already sent is judged by the orders before it, as it was when it was sent, never by later ones.
    """
    window = {period: tuple(literal(start_of_local_day_utc(d), UTCDateTime()) for d in period_bounds(period, on))
              for period in GrantPeriod}
    window_start = case(*[(GrantLine.period == period, start) for period, (start, _end) in window.items()])
    lines = (
        select(GrantLine.id.label("line_id"), Grant.id.label("grant_id"), Grant.valid_from.label("valid_from"),
               Grant.citizen_id.label("citizen_id"), Citizen.municipality_id.label("municipality_id"),
               GrantLine.variant_id.label("variant_id"), GrantLine.category_id.label("category_id"),
               GrantLine.quantity.label("granted"), GrantLine.period.label("period"),
               GrantLine.price_ceiling_oere.label("price_ceiling_oere"), window_start.label("window_start"))
        .join(Grant, Grant.id == GrantLine.grant_id)
        .join(Citizen, Citizen.id == Grant.citizen_id)
        .where(_in_force_on(on))
    )
    if municipality_ids is not None:
        lines = lines.where(Citizen.municipality_id.in_(municipality_ids))
    if citizen_id is not None:
        lines = lines.where(Grant.citizen_id == citizen_id)
    lines = lines.cte("lines_in_force")
    since = (select(lines.c.citizen_id, func.min(lines.c.window_start).label("since"))
             .group_by(lines.c.citizen_id).subquery("since"))
    ordered = (
        select(OrderLine.id.label("order_line_id"), Order.citizen_id.label("citizen_id"),
               Order.submitted_at.label("submitted_at"), OrderLine.variant_id.label("variant_id"),
               Product.category_id.label("category_id"), OrderLine.quantity.label("quantity"),
               (OrderLine.quantity * OrderLine.unit_price_oere).label("oere"))
        .select_from(since)
        .join(Order, and_(Order.citizen_id == since.c.citizen_id, Order.submitted_at >= since.c.since,
                          Order.submitted_at < window[GrantPeriod.YEAR][1]))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(counts_against_grant(), *([Order.id != exclude_order_id] if exclude_order_id is not None else []),
               *([Order.submitted_at < sent_before] if sent_before is not None else []))
        .subquery("ordered")
    )
    # Each order line's candidate grant lines, ranked as matching_line chooses: its variant's line first, then its
    # category's, each in grants_in_force's order; the line ranked 1 is the one it counts against.
    rank = func.row_number().over(
        partition_by=ordered.c.order_line_id,
        order_by=(case((lines.c.variant_id == ordered.c.variant_id, 0), else_=1), lines.c.valid_from,
                  lines.c.grant_id, lines.c.line_id))
    matched = (
        select(lines.c.line_id, lines.c.period, ordered.c.submitted_at, ordered.c.quantity, ordered.c.oere,
               rank.label("rank"))
        .select_from(ordered)
        .join(lines, and_(lines.c.citizen_id == ordered.c.citizen_id,
                          or_(lines.c.variant_id == ordered.c.variant_id, lines.c.category_id == ordered.c.category_id)))
        .subquery("matched")
    )
    windows = [and_(matched.c.period == period, matched.c.submitted_at >= start, matched.c.submitted_at < end)
               for period, (start, end) in window.items()]
    used = (
        select(matched.c.line_id, func.sum(matched.c.quantity).label("used"), func.sum(matched.c.oere).label("oere"))
        .where(matched.c.rank == 1, or_(*windows))
        .group_by(matched.c.line_id)
        .subquery("used")
    )
    return (
        select(lines.c.municipality_id, lines.c.citizen_id, lines.c.line_id, lines.c.granted,
               func.coalesce(used.c.used, literal(0)).label("used"),
               func.coalesce(used.c.oere, literal(0)).label("used_oere"),
               lines.c.grant_id, lines.c.valid_from, lines.c.variant_id, lines.c.category_id, lines.c.period,
               lines.c.price_ceiling_oere)
        .select_from(lines)
        .outerjoin(used, used.c.line_id == lines.c.line_id)
    )



# The grant officer's and the municipality's system's look-ups, each scoped to one municipality in the query itself:
# by the citizen's home municipality, so another municipality's id (or CPR number) finds nothing.

def citizen_of(municipality_id: int, citizen_id: int) -> Citizen | None:
    return db.session.scalar(select(Citizen).where(Citizen.id == citizen_id, Citizen.municipality_id == municipality_id))


def citizen_by_cpr(municipality_id: int, digits: str) -> Citizen | None:
    """The citizen with this (normalised) CPR number, if they live in the municipality: found by the keyed hash."""
    return db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits),
                                                   Citizen.municipality_id == municipality_id))


def grant_of(municipality_id: int, grant_id: int) -> Grant | None:
    """A grant of a citizen who lives in the municipality (a grant follows its citizen, not the issuing office)."""
    return db.session.scalar(
        select(Grant).join(Citizen, Citizen.id == Grant.citizen_id)
        .where(Grant.id == grant_id, Citizen.municipality_id == municipality_id)
        .options(selectinload(Grant.citizen), selectinload(Grant.lines).selectinload(GrantLine.variant))
    )


def waiting_order_of(municipality_id: int, order_id: int) -> Order | None:
    """A sent order of a citizen who lives in the municipality (waiting or decided); a foreign id finds nothing."""
    return db.session.scalar(
        select(Order).join(Citizen, Citizen.id == Order.citizen_id)
        .where(Order.id == order_id, Citizen.municipality_id == municipality_id, Order.status != OrderStatus.DRAFT)
        .options(selectinload(Order.citizen), selectinload(Order.lines), selectinload(Order.events))
    )


def awaiting_approval(municipality_id: int) -> list[Order]:
    return list(db.session.scalars(
        select(Order).join(Citizen, Citizen.id == Order.citizen_id)
        .where(Citizen.municipality_id == municipality_id, Order.status == OrderStatus.AWAITING_APPROVAL)
        .options(selectinload(Order.citizen), selectinload(Order.lines), selectinload(Order.events))
        .order_by(Order.submitted_at, Order.id)
    ))


# --- the grant officer's case notes -----------------------------------------------------------------

CASE_NOTE_MAX = 1000  # a short note; longer reasoning belongs in a decision's reason


def add_case_note(officer: User, citizen: Citizen, text: str | None) -> CaseNote:
    """A grant officer's note on a citizen of her municipality, kept with that municipality; audited."""
    if officer.role is not Role.GRANT_OFFICER or officer.municipality_id != citizen.municipality_id:
        raise GrantAccessDenied()
    text = clean_text(text).strip()
    if not text:
        raise GrantError(_l("Write the note."), "text")
    if len(text) > CASE_NOTE_MAX:
        raise GrantError(_l("Write at most %(max)s characters.", max=CASE_NOTE_MAX), "text")
    note = CaseNote(citizen_id=citizen.id, municipality_id=officer.municipality_id, author_id=officer.id, text=text)
    db.session.add(note)
    db.session.flush()
    audit.record(officer, "change", "Case note (grant officer)", citizen=citizen, detail=f"case_note={note.id}")
    return note


def case_notes(municipality_id: int, citizen_id: int) -> list[CaseNote]:
    """The notes this municipality's grant officers wrote on the citizen, newest first (never another's)."""
    return list(db.session.scalars(
        select(CaseNote).where(CaseNote.citizen_id == citizen_id, CaseNote.municipality_id == municipality_id)
        .options(selectinload(CaseNote.author)).order_by(CaseNote.created_at.desc(), CaseNote.id.desc())))
