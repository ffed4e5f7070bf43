"""Parsing the period selector's input, its bad cases, and the periods' Copenhagen boundaries."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from usage_statistics.period import PeriodError, default_period, month_period, parse_period

TODAY = date(2026, 11, 23)


def parse(**args):
    return parse_period(args, today=TODAY)


def test_no_choice_is_the_last_complete_month():
    assert parse() == default_period(TODAY) == month_period(date(2026, 10, 1))
    assert default_period(date(2026, 1, 5)).key == "2025-12"


@pytest.mark.parametrize("args, start, end, key", [
    ({"kind": "month", "month": "2026-02"}, date(2026, 2, 1), date(2026, 3, 1), "2026-02"),
    ({"kind": "month", "month": " 2026-2 "}, date(2026, 2, 1), date(2026, 3, 1), "2026-02"),
    ({"kind": "quarter", "quarter": "2026-Q3"}, date(2026, 7, 1), date(2026, 10, 1), "2026-Q3"),
    ({"kind": "quarter", "quarter": "2026q4"}, date(2026, 10, 1), date(2027, 1, 1), "2026-Q4"),
    ({"kind": "year", "year": "2025"}, date(2025, 1, 1), date(2026, 1, 1), "2025"),
    ({"kind": "custom", "from": "2026-01-15", "to": "2026-03-31"}, date(2026, 1, 15), date(2026, 4, 1),
     "2026-01-15_2026-03-31"),
    ({"kind": "custom", "from": "15.01.2026", "to": "15-01-2026"}, date(2026, 1, 15), date(2026, 1, 16),
     "2026-01-15_2026-01-15"),
])
def test_good_periods(args, start, end, key):
    period = parse(**args)
    assert (period.start, period.end, period.key) == (start, end, key)
    assert parse_period(period.query_args(), today=TODAY) == period  # links and exports select it again


def test_a_running_period_is_allowed_and_the_current_year_too():
    assert parse(kind="month", month="2026-11").end == date(2026, 12, 1)
    assert parse(kind="year", year="2026").start == date(2026, 1, 1)


@pytest.mark.parametrize("args, field", [
    ({"kind": "month", "month": "2026-13"}, "month"),
    ({"kind": "month", "month": ""}, "month"),
    ({"kind": "month", "month": "1999-12"}, "month"),
    ({"kind": "month", "month": "2026-12"}, "month"),  # not begun
    ({"kind": "quarter", "quarter": "2026-Q0"}, "quarter"),
    ({"kind": "quarter", "quarter": "2027-Q1"}, "quarter"),
    ({"kind": "year", "year": "26"}, "year"),
    ({"kind": "year", "year": "2027"}, "year"),
    ({"kind": "custom", "from": "2026-02-30", "to": "2026-03-01"}, "from"),
    ({"kind": "custom", "from": "2026-03-01", "to": ""}, "to"),
    ({"kind": "custom", "from": "2026-03-31", "to": "2026-03-01"}, "to"),
    ({"kind": "custom", "from": "2020-01-01", "to": "2026-01-01"}, "to"),  # longer than 36 months
    ({"kind": "custom", "from": "2026-12-01", "to": "2026-12-31"}, "from"),
    ({"kind": "fortnight"}, "kind"),
])
def test_bad_periods_name_their_field(args, field):
    with pytest.raises(PeriodError) as caught:
        parse(**args)
    assert caught.value.field == field


def test_previous_year_and_leap_day():
    assert parse(kind="quarter", quarter="2026-Q1").previous_year().key == "2025-Q1"
    leap = parse_period({"kind": "custom", "from": "2024-02-29", "to": "2024-03-10"}, today=TODAY).previous_year()
    assert (leap.start, leap.end) == (date(2023, 2, 28), date(2023, 3, 11))


def test_windows_are_copenhagen_midnights():
    october = month_period(date(2026, 10, 1))
    # Summer time at the start (UTC+2), winter time at the end (UTC+1).
    assert october.window_utc == (datetime(2026, 9, 30, 22, tzinfo=timezone.utc), datetime(2026, 10, 31, 23, tzinfo=timezone.utc))


def test_month_bounds_cut_a_custom_period():
    period = parse(kind="custom", **{"from": "2026-01-15", "to": "2026-03-10"})
    assert period.month_bounds() == [(date(2026, 1, 15), date(2026, 2, 1)), (date(2026, 2, 1), date(2026, 3, 1)),
                                     (date(2026, 3, 1), date(2026, 3, 11))]
