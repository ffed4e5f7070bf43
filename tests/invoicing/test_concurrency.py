"""Two invoice runs and a credit note at the same moment on PostgreSQL: one invoice each, numbers without gaps."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from invoicing.models import Invoice
from invoicing.run import credit_invoice, run_month
from stomi_app.extensions import db
from tests.fixtures.invoicing import JUNE_2, MAY

pytestmark = [pytest.mark.committing, pytest.mark.skipif(not os.environ.get("STOMI_TEST_DATABASE_URL"), reason="row locks are a PostgreSQL matter")]


def test_concurrent_runs_issue_each_invoice_once(app, month):
    april_start = MAY.replace(month=4)
    run_month(april_start, today=JUNE_2)  # Aarhus has April deliveries: an invoice to credit meanwhile
    april = db.session.scalar(select(Invoice).where(Invoice.period_start == april_start))
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def invoice_may():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                run_month(MAY, today=JUNE_2)
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    def credit_april():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                credit_invoice(april.number, reason="Samtidig kreditering")
                db.session.commit()
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=invoice_may) for _ in range(3)] + [threading.Thread(target=credit_april)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    db.session.expire_all()
    rows = db.session.execute(select(Invoice.number, Invoice.period_start, Invoice.kind).order_by(Invoice.number)).all()
    numbers = [r.number for r in rows]
    assert numbers == list(range(1, len(numbers) + 1))
    may = [r for r in rows if r.period_start == MAY]
    assert len(may) == 2  # Odense and Aarhus, once each, whichever run got there first
