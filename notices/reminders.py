"""Reminders before supplies run out (nightly), the notices about grants ending and re-measuring, the call list.

A citizen is reminded once per supply period: on the municipality's `reminder_days_before` days before the earliest
line runs out (notices.supply), or on a later night up to that day when a night was missed or an order would have
been too soon then. Only on a day the same order would go through without approval: never while an order is open,
never when it would be "too soon" (the municipality's minimum days between orders), never without room left in the
grant this period; never twice for one run-out day (the notice's key). "Order the same again" makes a draft that the
citizen confirms on the check page: nothing is ever sent by a reminder itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, timezone

from sqlalchemy import and_, exists, func, select

from notices.models import Notice, NoticeDelivery
from notices.services import notify
from notices.supply import Supply, earliest_run_out, supply_for, supply_for_many
from notices.texts import Kind
from ordering import services as ordering
from stomi_app.extensions import db
from grants.services import consumption, consumption_for, last_ordinary_order, matching_line
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models.citizen import Citizen
from citizens.clinical import CuttingMeasure
from grants.models import Grant, GrantStatus
from stomi_app.models import Municipality
from ordering.models import Order
from ordering.models import OPEN_STATUSES
from stomi_app.timeutil import local_date, local_today, start_of_local_day_utc
from stomi_app import audit

# Days before a citizen's supplies are expected to run out that the reminder is sent: what a municipality may choose.
REMINDER_DAYS_RANGE = (1, 60)
GRANT_ENDING_DAYS = 30
CALL_LIST_DAYS = 30  # how long a reminded citizen who did not order stays on the callcenter's list


@dataclass
class NightlyReport:
    reminders: int = 0
    grants_ending: int = 0
    remeasures: int = 0

    def __str__(self) -> str:
        return (f"{self.reminders} supply reminders, {self.grants_ending} grants ending, "
                f"{self.remeasures} re-measures due")


def has_open_order(citizen_id: int) -> bool:
    return db.session.scalar(select(exists().where(Order.citizen_id == citizen_id, Order.status.in_(OPEN_STATUSES))))


def refill(citizen: Citizen, on: date) -> dict[int, int]:
    """The citizen's last order again, each product at most what is left of its grant line this period and what one
    order may hold: packs per variant id, what "Order the same again" pre-fills (empty when nothing fits)."""
    previous = ordering.last_order(citizen.id)
    if previous is None:
        return {}
    rules = ordering.rules_for(citizen.municipality_id)
    uses = consumption(citizen.id, on)
    lines = [use.line for use in uses]
    left = {use.line.id: use.remaining_quantity for use in uses}
    wanted: dict[int, int] = {}
    for line in previous.lines:
        grant_line = matching_line(lines, line.variant_id, line.variant.product.category_id)
        if grant_line is None:
            continue  # no longer granted: the citizen chooses it on the products page if still wanted
        cap = min(left[grant_line.id], ordering.per_order_limit(grant_line.quantity, grant_line.period.value,
                                                                grant_line.grant.valid_from, on, rules))
        packs = min(line.quantity, cap)
        if packs > 0:
            wanted[line.variant_id] = packs
            left[grant_line.id] -= packs
    return wanted


def in_window(supplies: list[Supply], days_before: int, on: date) -> Supply | None:
    """The line that runs out first from `on` on, when `on` is `days_before` days or fewer before its run-out day.
    A line that ran out before `on` is left out: the citizen has not needed it again (an accessory ordered now and
    then), and it must not hold back the reminder for the bags."""
    first = earliest_run_out([s for s in supplies if s.runs_out is not None and s.runs_out >= on])
    if first is None or on < first.runs_out - timedelta(days=days_before):
        return None
    return first


def _last_sent_day(citizen_id: int) -> date | None:
    """The local day of the citizen's last order that counts against the grant: what "too soon" is measured from
    when an order is routed (ordering.evaluate), the same query."""
    moment = db.session.scalar(last_ordinary_order(citizen_id, 0))
    if moment is None:
        return None
    return local_date(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))


def reminder_due(citizen: Citizen, on: date, supplies: list[Supply] | None = None) -> tuple[date, list[str]] | None:
    """(run-out day, products) when the citizen should be reminded on `on`; else None.

    Only on a day the same order would go through without approval: not "too soon" after the last order, and room
    left in the grant this period (a monthly grant used up in January waits for 1 February).
    """
    supplies = supply_for(citizen.id, on) if supplies is None else supplies
    days_before = citizen.municipality.reminder_days_before
    first = in_window(supplies, days_before, on)
    if first is None:
        return None
    if has_open_order(citizen.id):
        return None
    rules = ordering.rules_for(citizen.municipality_id)
    if ordering.too_soon_until(_last_sent_day(citizen.id), on, rules) is not None:
        return None  # an order now would need approval for being too soon: remind on a later night
    if not refill(citizen, on):
        return None
    window_end = on + timedelta(days=days_before)
    products = sorted({s.product_name for s in supplies if s.runs_out is not None and on <= s.runs_out <= window_end
                       and s.product_name})
    return first.runs_out, products


def reminder_key(citizen_id: int, runs_out: date) -> str:
    return f"reminder:{citizen_id}:{runs_out.isoformat()}"


def remind(citizen: Citizen, on: date, supplies: list[Supply] | None = None) -> Notice | None:
    due = reminder_due(citizen, on, supplies)
    if due is None:
        return None
    runs_out, products = due
    return notify(citizen, Kind.SUPPLY_REMINDER, reminder_key(citizen.id, runs_out),
                  params={"runs_out": runs_out.isoformat(), "products": products})


def _citizens_with_grants(on: date) -> list[tuple[int, int]]:
    """(citizen id, reminder days of the home municipality) of every citizen with a grant in force, by id."""
    return list(db.session.execute(
        select(Citizen.id, Municipality.reminder_days_before).join(Municipality, Municipality.id == Citizen.municipality_id)
        .where(exists().where(Grant.citizen_id == Citizen.id, Grant.in_force_on(on))).order_by(Citizen.id)))


def supply_reminders(on: date, *, chunk: int = 500) -> int:
    """The night's reminders. Cheap for everyone (a few queries per `chunk` citizens: grant lines, deliveries, the
    reminders already sent), the full rule (`remind`) only for those whose supplies run out soon."""
    count = 0
    people = _citizens_with_grants(on)
    for start in range(0, len(people), chunk):
        part = dict(people[start:start + chunk])
        uses = consumption_for(list(part), on)
        supplies = supply_for_many({cid: [u.line for u in uses.get(cid, [])] for cid in part}, on)
        soon = {cid: first.runs_out for cid, sup in supplies.items()
                if (first := in_window(sup, part[cid], on)) is not None}
        told = set(db.session.scalars(select(Notice.key).where(
            Notice.key.in_([reminder_key(cid, day) for cid, day in soon.items()])))) if soon else set()
        for cid, day in soon.items():
            if reminder_key(cid, day) not in told and remind(db.session.get(Citizen, cid), on, supplies[cid]):
                count += 1
        db.session.commit()
    return count


def grant_ending_notices(on: date) -> int:
    """A notice for each grant whose last day is within GRANT_ENDING_DAYS days (one per grant and last day)."""
    count = 0
    grants = db.session.scalars(select(Grant).where(Grant.valid_to.is_not(None), Grant.valid_to >= on,
                                                    Grant.valid_to <= on + timedelta(days=GRANT_ENDING_DAYS),
                                                    Grant.status.in_((GrantStatus.ACTIVE, GrantStatus.ENDED))))
    for grant in grants:
        if notify(grant.citizen, Kind.GRANT_ENDING_SOON, f"grant:{grant.id}:ending:{grant.valid_to.isoformat()}",
                  params={"valid_to": grant.valid_to.isoformat()}):
            count += 1
    return count


def remeasure_notices(on: date) -> int:
    """A notice when the current measure's re-measure day has come (once per measure)."""
    newest = (select(func.max(CuttingMeasure.id)).group_by(CuttingMeasure.citizen_id)).scalar_subquery()
    count = 0
    for measure in db.session.scalars(select(CuttingMeasure).where(CuttingMeasure.id.in_(newest),
                                                                  CuttingMeasure.remeasure_on.is_not(None),
                                                                  CuttingMeasure.remeasure_on <= on)):
        citizen = db.session.get(Citizen, measure.citizen_id)
        if notify(citizen, Kind.REMEASURE_DUE, f"measure:{measure.id}:remeasure",
                  params={"remeasure_on": measure.remeasure_on.isoformat()}):
            count += 1
    return count


def run_nightly(on: date | None = None) -> NightlyReport:
    """Everything the night finds to tell; safe to run twice (every notice has its event's key)."""
    on = on or local_today()
    report = NightlyReport()
    report.reminders = supply_reminders(on)
    report.grants_ending = grant_ending_notices(on)
    report.remeasures = remeasure_notices(on)
    db.session.commit()
    return report


# --- "Order the same again" ---------------------------------------------------------------------------

class NothingToReorder(ordering.OrderError):
    """"Order the same again" with nothing that fits the grant now (the page says so, on the products step)."""



def draft_from_reminder(citizen: Citizen, notice: Notice, on: date | None = None) -> Order:
    """The reminder's "Order the same again": a draft pre-filled by `refill`, so the confirmed order goes through
    without approval. Only a draft: the citizen sends it from the check page."""
    on = on or local_today()
    if ordering.last_order(citizen.id) is None:
        raise NothingToReorder({"order": _l("You have no earlier order to repeat. Choose your products.")})
    if has_open_order(citizen.id):
        # The reminder was written before she ordered (by phone, or from the start page): not a second order.
        raise NothingToReorder({"order": _l("You have already ordered: your order is on its way. See it on your start page.")})
    wanted = refill(citizen, on)
    if not wanted:
        raise NothingToReorder({"order": _l("Nothing is left of your grant this period. Call the callcenter.")})
    draft = ordering.open_draft(citizen)
    ordering.set_draft_lines(draft, wanted, on)
    return draft


# --- the callcenter's call list -------------------------------------------------------------------------

@dataclass
class CallListEntry:
    citizen: Citizen
    notice: Notice
    without_email: bool

    @property
    def runs_out(self) -> date:
        return date.fromisoformat(self.notice.params["runs_out"])


def call_list(on: date | None = None) -> list[CallListEntry]:
    """Citizens reminded in the last CALL_LIST_DAYS days who have not sent an order since; those without e-mail
    (the digitally exempt, who may never read the portal) first."""
    on = on or local_today()
    since = start_of_local_day_utc(on - timedelta(days=CALL_LIST_DAYS))
    ordered_since = exists().where(and_(Order.citizen_id == Notice.citizen_id, Order.submitted_at >= Notice.created_at))
    emailed = exists().where(and_(NoticeDelivery.notice_id == Notice.id, NoticeDelivery.channel == "email"))
    rows = db.session.execute(
        select(Notice, Citizen, emailed).join(Citizen, Citizen.id == Notice.citizen_id)
        .where(Notice.kind == Kind.SUPPLY_REMINDER, Notice.created_at >= since, ~ordered_since)
        .order_by(Notice.created_at.desc()))
    newest: dict[int, CallListEntry] = {}
    for notice, citizen, has_email in rows:
        newest.setdefault(citizen.id, CallListEntry(citizen, notice, not has_email))
    return sorted(newest.values(), key=lambda e: (not e.without_email, e.notice.created_at))


def audited_call_list(agent, on: date | None = None) -> list[CallListEntry]:
    """The call list as the callcenter sees it: each citizen listed is a staff read of that citizen, audited."""
    entries = call_list(on)
    for entry in entries:
        audit.record(agent, "read", "callcenter: reminder call list", entry.citizen,
                     detail=f"reminder notice {entry.notice.id}")
    return entries
