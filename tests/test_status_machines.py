"""Every workflow's status moves are declared as data, and a move the workflow does not allow is refused."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from catalogue.models import SUPPLIER_REVIEW_FLOW, ReviewStatus
from stomi_app import labels
from grants.models import GRANT_FLOW, GrantStatus
from care.models import (
    ADVICE_FLOW, DISCHARGE_PROPOSAL_FLOW, PRODUCT_CHANGE_FLOW, RECOMMENDATION_FLOW, AdviceStatus, ProposalStatus, RecommendationStatus,
    RequestStatus,
)
from ordering.models import ORDER_FLOW, PROBLEM_FLOW, OrderStatus, ProblemStatus
from stomi_app.statemachine import IllegalTransition

# (machine, its status enum, where a case starts)
FLOWS = [
    (ORDER_FLOW, OrderStatus, OrderStatus.DRAFT),
    (ADVICE_FLOW, AdviceStatus, AdviceStatus.OPEN),
    (PRODUCT_CHANGE_FLOW, RequestStatus, RequestStatus.OPEN),
    (RECOMMENDATION_FLOW, RecommendationStatus, RecommendationStatus.OPEN),
    (DISCHARGE_PROPOSAL_FLOW, ProposalStatus, ProposalStatus.OPEN),
    (SUPPLIER_REVIEW_FLOW, ReviewStatus, ReviewStatus.OPEN),
    (GRANT_FLOW, GrantStatus, GrantStatus.ACTIVE),
    (PROBLEM_FLOW, ProblemStatus, ProblemStatus.OPEN),
]


@pytest.mark.parametrize("flow, statuses, start", FLOWS, ids=[f[0].name for f in FLOWS])
def test_every_status_is_reachable_from_where_a_case_starts(flow, statuses, start):
    """A status no move leads to is a status the code sets behind the machine's back."""
    assert flow.reachable(start) == set(statuses)


@pytest.mark.parametrize("flow, statuses, start", FLOWS, ids=[f[0].name for f in FLOWS])
def test_a_move_not_declared_is_refused_and_leaves_the_status(flow, statuses, start):
    for current in statuses:
        for target in statuses:
            record = SimpleNamespace(status=current)
            if flow.can_move(current, target):
                flow.move(record, target)
                assert record.status is target
            else:
                with pytest.raises(IllegalTransition):
                    flow.move(record, target)
                assert record.status is current


def test_decided_cases_are_final():
    for flow, status in [(PRODUCT_CHANGE_FLOW, RequestStatus.APPROVED), (PRODUCT_CHANGE_FLOW, RequestStatus.REJECTED),
                         (RECOMMENDATION_FLOW, RecommendationStatus.DONE), (DISCHARGE_PROPOSAL_FLOW, ProposalStatus.DECLINED),
                         (SUPPLIER_REVIEW_FLOW, ReviewStatus.DONE), (PROBLEM_FLOW, ProblemStatus.REPLACED),
                         (PROBLEM_FLOW, ProblemStatus.RESOLVED), (ADVICE_FLOW, AdviceStatus.CLOSED)]:
        assert flow.is_final(status), (flow.name, status)


def test_an_answered_question_opens_again_when_the_citizen_writes_and_an_ended_grant_can_be_restored():
    assert ADVICE_FLOW.can_move(AdviceStatus.ANSWERED, AdviceStatus.OPEN)
    assert GRANT_FLOW.can_move(GrantStatus.ENDED, GrantStatus.ACTIVE)


@pytest.mark.parametrize("table, statuses", [
    (labels.PROBLEM_STATUS, ProblemStatus), (labels.PROBLEM_STATUS_FOR_CITIZEN, ProblemStatus),
    (labels.ADVICE_STATUS, AdviceStatus), (labels.REQUEST_STATUS, RequestStatus),
    (labels.RECOMMENDATION_STATUS, RecommendationStatus), (labels.PROPOSAL_STATUS, ProposalStatus),
    (labels.ORDER_STATUS, OrderStatus),
])
def test_every_status_has_words(table, statuses):
    assert set(table) == {s.value for s in statuses}


@pytest.mark.committing
def test_a_move_refused_at_the_machine_is_a_409_page_and_nothing_is_saved(database_url, instance_dir):
    """The last line of defence when two people act on one case at once: a clear page, never a 500."""
    from tests.fixtures.app import make_app

    app = make_app(database_url)

    @app.route("/_test/illegal-move")
    def _illegal():
        PROBLEM_FLOW.move(SimpleNamespace(status=ProblemStatus.REPLACED), ProblemStatus.RESOLVED)
        return "moved"

    response = app.test_client().get("/_test/illegal-move", headers={"Accept-Language": "da"})
    assert response.status_code == 409
    assert "Intet blev gemt" in response.get_data(as_text=True)
