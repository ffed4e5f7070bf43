"""Rounding and the largest-remainder split: the parts always sum to the whole, to the øre (hypothesis)."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from invoicing.money import div_half_up, largest_remainder, percent_of


@pytest.mark.parametrize("numerator, denominator, expected", [
    (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (-5, 10, -1), (0, 7, 0), (277000, 24, 11542), (138500, 12, 11542),
])
def test_half_up(numerator, denominator, expected):
    assert div_half_up(numerator, denominator) == expected


def test_percent_of_rounds_each_amount_half_up():
    assert percent_of(45010, 500) == 2251  # 2250,5
    assert percent_of(45009, 500) == 2250  # 2250,45
    assert percent_of(170000, 500) == 8500


def test_the_documents_set_up_cost_split():
    """2.7 million split 35/65, the municipal part by citizens: the parts add up exactly."""
    halves = largest_remainder(135_000_000, {"region": 35, "municipalities": 65})
    assert halves == {"region": 47_250_000, "municipalities": 87_750_000}
    parts = largest_remainder(100, {"a": 1, "b": 1, "c": 1})
    assert parts == {"a": 34, "b": 33, "c": 33} and sum(parts.values()) == 100


def test_ties_go_to_the_larger_weight_then_the_earlier_key():
    assert largest_remainder(1, {"small": 1, "big": 3, "other": 0}) == {"small": 0, "big": 1, "other": 0}
    assert largest_remainder(2, {"x": 1, "y": 1, "z": 1}) == {"x": 1, "y": 1, "z": 0}


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        largest_remainder(-1, {"a": 1})
    with pytest.raises(ValueError):
        largest_remainder(1, {"a": -1})
    with pytest.raises(ValueError):
        largest_remainder(1, {})
    assert largest_remainder(0, {}) == {}


# The machine is shared: generating 98 weights can be slow, which says nothing about the code under test.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
weights = st.dictionaries(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=1_000_000),
                          min_size=1, max_size=98)


@relaxed
@given(total=st.integers(min_value=0, max_value=10**12), weights=weights)
def test_parts_sum_exactly_to_the_whole(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts.values()) == total
    assert set(parts) == set(weights)


@relaxed
@given(total=st.integers(min_value=0, max_value=10**12), weights=weights)
def test_each_part_is_within_one_oere_of_its_exact_share(total, weights):
    parts = largest_remainder(total, weights)
    weight_sum = sum(weights.values()) or len(weights)
    for key, part in parts.items():
        exact = Fraction(total * (weights[key] if sum(weights.values()) else 1), weight_sum)
        assert exact - 1 < part < exact + 1
        assert part >= 0


@relaxed
@given(total=st.integers(min_value=0, max_value=10**9), weights=weights)
def test_the_split_is_deterministic_and_proportional(total, weights):
    parts = largest_remainder(total, weights)
    assert parts == largest_remainder(total, dict(weights))
    ordered = sorted(weights, key=lambda k: weights[k])
    # A larger weight never gets less than a smaller one.
    for smaller, larger in zip(ordered, ordered[1:]):
        assert parts[smaller] <= parts[larger] or weights[smaller] == weights[larger]


@relaxed
@given(amount=st.integers(min_value=0, max_value=10**10), bp=st.integers(min_value=0, max_value=10_000))
def test_percent_of_matches_exact_half_up(amount, bp):
    exact = Fraction(amount * bp, 10_000)
    assert abs(percent_of(amount, bp) - exact) <= Fraction(1, 2)
    assert percent_of(amount, bp) - exact != Fraction(-1, 2)  # a half always goes up


@given(st.integers(min_value=-10**13, max_value=10**13))
def test_kr_prints_exactly_what_babel_prints(oere):
    from babel.numbers import format_currency

    from stomi_app.money import document_kr as kr

    assert kr(oere) == format_currency(Decimal(oere) / 100, "DKK", locale="da_DK")


def test_kr_examples():
    from stomi_app.money import document_kr as kr

    assert kr(138500) == "1.385,00\xa0kr." and kr(-5) == "-0,05\xa0kr." and kr(0) == "0,00\xa0kr."
