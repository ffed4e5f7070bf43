"""The statistics' figures against a small history worked out by hand (tests/statistics/dataset.py)."""
from __future__ import annotations

from datetime import date

import pytest

from stomi_app.extensions import db
from grants.services import consumption_for, utilisation_by_line
from usage_statistics import figures as F
from usage_statistics.period import month_period, parse_period
from tests import factories
from tests.statistics import dataset

OCT = month_period(date(2026, 10, 1))


@pytest.fixture
def history(world, shop):
    return dataset.build(world, shop)


def aarhus():
    return factories.municipality(751)


def odense():
    return factories.municipality(461)


def test_order_totals_count_october_in_copenhagen_time_and_leave_out_rejected_and_cancelled(history):
    totals = F.order_totals(OCT, [aarhus().id])[aarhus().id]
    assert totals == F.Totals(**dataset.OCTOBER)
    assert totals.express_share == pytest.approx(1 / 3)


def test_other_municipalities_keep_their_own_orders(history):
    both = F.order_totals(OCT, None)
    assert both[odense().id] == F.Totals(orders=1, units=5, spend_oere=225000)
    assert both[aarhus().id].spend_oere == dataset.OCTOBER["spend_oere"]


def test_month_buckets_follow_copenhagen_months(history):
    period = parse_period({"kind": "custom", "from": "2026-09-01", "to": "2026-11-30"}, today=date(2026, 12, 1))
    months = F.monthly(period, [aarhus().id])[aarhus().id]
    assert [m.orders for m in months] == [1, 3, 1]  # o9 | o1, o3, o7 | o2
    assert [m.spend_oere for m in months] == [45000, 311000, 45000]
    assert months[1].replacement_orders == 1


def test_categories_and_top_products(history):
    rows = F.by_category(OCT, [aarhus().id])[aarhus().id]
    assert [(r.code, r.orders, r.units, r.spend_oere) for r in rows] == [
        ("bag_closed", 2, 5, 231000), ("baseplate", 1, 1, 80000)]
    top = F.top_products(OCT, [aarhus().id])[aarhus().id]
    assert [(p.article_number, p.units, p.spend_oere) for p in top] == [
        ("NL-101", 3, 141000), ("NL-100", 2, 90000), ("FC-200", 1, 80000)]


def test_citizens_with_a_grant_in_force_on_some_day_of_the_period(history):
    assert F.citizens_with_grant(OCT, [aarhus().id]) == {aarhus().id: dataset.OCTOBER_CITIZENS}
    assert F.citizens_with_grant(month_period(date(2026, 9, 1)), [aarhus().id]) == {aarhus().id: 3}  # a, d, e


def test_approvals_and_their_outcome(history):
    a = F.approvals(OCT, [aarhus().id])[aarhus().id]
    assert (a.requests, a.approved, a.rejected, a.cancelled, a.waiting) == (2, 1, 1, 0, 0)


def test_delivery_sla_uses_local_delivery_dates(history):
    sla = F.delivery_sla(OCT, [aarhus().id])[aarhus().id]
    # o1 on time after 1 working day; o7 delivered 00:30 local on the day after its promise: late, 3 working days.
    assert (sla.delivered, sla.on_time, sla.working_days_sum) == (2, 1, 4)
    assert sla.on_time_pct == 50.0
    assert sla.average_working_days == 2.0


def test_utilisation_bands(history):
    u = F.utilisation(date(2026, 10, 31), [aarhus().id])[aarhus().id]
    # a: 2 of 4 (50 %); b: 3 bags of 2 (150 %) and 1 plate of 1; e: 0 of 10; d's grant has ended.
    assert (u.citizens, u.over, u.between, u.under_half) == (3, 1, 1, 1)


def test_utilisation_per_citizen_fullest_first(history):
    rows = F.utilisation_per_citizen(date(2026, 10, 31), aarhus().id)
    assert [(r.name, r.highest_pct, r.over, r.under_half) for r in rows] == [
        ("Bent Borg", 150, True, False), ("Birthe Nielsen", 50, False, False), ("Erik Eng", 0, False, True)]


@pytest.mark.parametrize("on", [date(2026, 10, 31), date(2026, 10, 1), date(2026, 11, 1), date(2026, 9, 30)])
def test_sql_utilisation_equals_consumption_for(history, on):
    """The SQL twin and the one consumption function agree line by line, on month boundaries too."""
    ids = [history.a.id, history.b.id, history.e.id, history.odense.id]
    expected = {use.line.id: (use.line.quantity, use.used_quantity, use.used_oere)
                for uses in consumption_for(ids, on).values() for use in uses}
    rows = db.session.execute(utilisation_by_line(on)).all()
    assert {r.line_id: (r.granted, int(r.used), int(r.used_oere)) for r in rows} == expected


def test_figures_for_fills_a_municipality_without_data_with_zeros(history):
    empty = month_period(date(2024, 3, 1))
    f = F.figures_for([aarhus()], empty)[aarhus().id]
    assert f.is_empty
    assert f.totals == F.Totals()
    assert len(f.months) == 1 and f.spend_per_citizen_oere is not None  # e's grant was in force


def test_figures_for_october(history):
    f = F.figures_for([aarhus(), odense()], OCT)
    mine = f[aarhus().id]
    assert mine.citizens == 3 and mine.totals.spend_oere == 311000
    assert mine.spend_per_citizen_oere == 103667  # 311,000 øre / 3, rounded
    assert mine.utilisation_on == date(2026, 10, 31)
    assert f[odense().id].totals.orders == 1


def test_benchmark_shows_aggregates_of_the_region_only(history):
    bench = F.benchmark(aarhus(), OCT)
    assert bench.region_name == "Region Midtjylland"
    own = [r for r in bench.rows if r.own]
    assert len(own) == 1 and own[0].spend_per_citizen_oere == 103667
    assert all(r.code != 461 for r in bench.rows)  # Odense is in another region
    assert bench.region_citizens == 3 and bench.region_average_oere == 103667


def test_delivery_figures_agree_with_fulfilments_own_sla(history):
    from fulfilment.sla import monthly_on_time

    theirs = monthly_on_time(2026, 10)
    ours = F.delivery_sla(OCT, None)
    assert sum(s.delivered for s in ours.values()) == theirs.delivered
    assert sum(s.on_time for s in ours.values()) == theirs.on_time
    assert sum(s.working_days_sum for s in ours.values()) == theirs.working_days_sum


@pytest.mark.parametrize("figure", ["figures_for", "benchmark", "monthly", "utilisation_per_citizen"])
def test_statistics_are_planned_for_their_own_period_every_time(history, figure):
    """A generic plan (PostgreSQL's choice after a prepared statement's fifth run) read years of orders for one
    month: three times slower at 10× history. Every entry point of the figures asks for custom plans."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    from sqlalchemy import text

    assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
    {"figures_for": lambda: F.figures_for([aarhus()], OCT), "benchmark": lambda: F.benchmark(aarhus(), OCT),
     "monthly": lambda: F.monthly(OCT, [aarhus().id]),
     "utilisation_per_citizen": lambda: F.utilisation_per_citizen(date(2026, 10, 15), aarhus().id)}[figure]()
    assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    db.session.rollback()  # SET LOCAL: the next transaction plans as usual
    assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
