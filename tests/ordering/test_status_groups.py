"""The order status groups are derived from the one status machine, and say what each group means."""
from __future__ import annotations

from enum import Enum

from ordering.models import APPROVED_STATUSES, CITIZEN_CANCELLABLE, COUNTING_STATUSES, OPEN_STATUSES, ORDER_FLOW, OrderStatus as S
from stomi_app.statemachine import machine


class T(str, Enum):
    A = "a"
    B = "b"
    C = "c"
    D = "d"


def test_reachable_follows_moves_and_stops_at_what_it_avoids():
    flow = machine("t", {T.A: (T.B, T.D), T.B: (T.C,), T.D: (T.C,)})
    assert flow.reachable(T.A) == {T.A, T.B, T.C, T.D}
    assert flow.reachable(T.A, avoiding={T.B}) == {T.A, T.D, T.C}
    assert flow.reachable(T.A, avoiding={T.B, T.D}) == {T.A}
    assert flow.reachable(T.C) == {T.C}  # a final status reaches only itself


def test_the_groups_are_what_the_rules_mean():
    assert set(COUNTING_STATUSES) == set(S) - {S.DRAFT, S.REJECTED, S.CANCELLED}
    assert set(OPEN_STATUSES) == set(COUNTING_STATUSES) - {S.DELIVERED}
    assert set(APPROVED_STATUSES) == set(COUNTING_STATUSES) - {S.AWAITING_APPROVAL}
    assert CITIZEN_CANCELLABLE == (S.DRAFT, S.AWAITING_APPROVAL, S.ACCEPTED)
    # Declaration order, so a query's IN list is the same in every process.
    assert list(COUNTING_STATUSES) == [s for s in S if s in COUNTING_STATUSES]


def test_every_group_member_is_a_status_the_flow_knows():
    known = set(ORDER_FLOW.transitions) | {t for targets in ORDER_FLOW.transitions.values() for t in targets}
    assert set(COUNTING_STATUSES) | set(CITIZEN_CANCELLABLE) <= known
