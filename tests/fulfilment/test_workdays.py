"""Working days and the requested delivery date at their boundaries: weekends, Easter, Christmas, temporary addresses."""
from __future__ import annotations

from datetime import date

import pytest

from fulfilment.instructions import requested_delivery_date
from stomi_app.workdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize("accepted, express, expected", [
    (date(2026, 3, 2), False, date(2026, 3, 4)),    # Monday → Wednesday
    (date(2026, 3, 2), True, date(2026, 3, 3)),     # Monday, express → Tuesday
    (date(2026, 3, 6), False, date(2026, 3, 10)),   # Friday → Tuesday, the weekend does not count
    (date(2026, 3, 6), True, date(2026, 3, 9)),     # Friday, express → Monday
    (date(2026, 3, 7), True, date(2026, 3, 9)),     # accepted on a Saturday, express → Monday
    (date(2026, 4, 1), True, date(2026, 4, 7)),     # Wednesday before Easter: Maundy Thursday to Easter Monday are off
    (date(2026, 4, 1), False, date(2026, 4, 8)),
    (date(2026, 3, 31), False, date(2026, 4, 7)),   # Tuesday before Easter: Wednesday, then Tuesday after Easter
    (date(2026, 12, 23), False, date(2026, 12, 28)),  # Christmas Eve is a working day, the 25th and 26th are not
    (date(2026, 12, 24), True, date(2026, 12, 28)),
    (date(2026, 12, 30), False, date(2027, 1, 4)),  # over New Year's Day (a Friday in 2027)
    (date(2026, 5, 13), True, date(2026, 5, 15)),   # Ascension Day (Thursday 14 May)
    (date(2026, 5, 22), True, date(2026, 5, 26)),   # Whit Monday (25 May)
])
def test_requested_delivery_date(accepted, express, expected):
    # The contract's promise: 1 working day for express, 2 otherwise (the config defaults).
    assert requested_delivery_date(accepted, 1 if express else 2) == expected


def test_temporary_address_from_a_later_day_moves_the_date_to_a_working_day():
    # The citizen is at the summer house from Saturday 11 July: deliver on the first working day there.
    assert requested_delivery_date(date(2026, 7, 6), 2, not_before=date(2026, 7, 11)) == date(2026, 7, 13)
    # A start date before the promise changes nothing.
    assert requested_delivery_date(date(2026, 7, 6), 2, not_before=date(2026, 7, 7)) == date(2026, 7, 8)


def test_promise_comes_from_the_config(app, ctx):
    from fulfilment.instructions import promised_days

    assert (promised_days(False), promised_days(True)) == (app.config["DELIVERY_SLA_DAYS"], 1)
    assert app.config["DELIVERY_SLA_DAYS"] == 2


def test_store_bededag_is_no_longer_a_holiday():
    # Abolished from 2024: the fourth Friday after Easter is a working day in 2026, still a holiday in 2023.
    assert is_working_day(date(2026, 5, 1))
    assert not is_working_day(date(2023, 5, 5))


def test_working_days_between():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1   # Friday → Monday
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 7)) == 0   # delivered on Saturday
    assert working_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 2
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == 0


def test_add_working_days_refuses_nonsense():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 2), 0)
