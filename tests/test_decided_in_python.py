"""What a page shows of a case's state is decided in Python (issue 18: templates decide nothing): the job run's
sentence, and whether a case can still be acted on, follow the status and its machine."""
from __future__ import annotations

import pytest

from care.models import AdviceQuestion, AdviceStatus, ProductChangeRequest, RequestStatus
from ordering.models import Order, OrderStatus
from stomi_app.labels import job_run_progress
from stomi_app.models import JobRun, JobRunStatus


@pytest.mark.parametrize("status, done, total, words", [
    (JobRunStatus.QUEUED, 0, None, "Venter"),
    (JobRunStatus.RUNNING, 2, 5, "2 af 5"),
    (JobRunStatus.RUNNING, 0, None, "0 af …"),
    (JobRunStatus.FINISHED, 5, 5, "Færdig"),
    (JobRunStatus.FAILED, 1, 5, "fejlede"),
])
def test_a_run_says_where_it_is_in_danish(app, status, done, total, words):
    with app.test_request_context():
        sentence = job_run_progress(JobRun(status=status, done=done, total=total))
    assert words in sentence and "%(" not in sentence


def test_open_cases_follow_their_machines():
    assert AdviceQuestion(status=AdviceStatus.ANSWERED).is_open and not AdviceQuestion(status=AdviceStatus.CLOSED).is_open
    assert ProductChangeRequest(status=RequestStatus.OPEN).is_open
    assert not ProductChangeRequest(status=RequestStatus.REJECTED).is_open
    assert Order(status=OrderStatus.AWAITING_APPROVAL).awaiting_approval and not Order(status=OrderStatus.PACKED).awaiting_approval
    assert JobRun(status=JobRunStatus.FINISHED).finished and not JobRun(status=JobRunStatus.RUNNING).finished
