"""/metrics: requests per endpoint, orders by outcome and the outbox's backlog, for the monitoring system only."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.fixtures.grants import grant_for, line
from tests.fixtures.app import make_app


def _value(text: str, name: str, **labels) -> float:
    pattern = re.escape(name) + (r"\{" + ",".join(f'{k}="{re.escape(v)}"' for k, v in labels.items()) + r"\}" if labels
                                 else "") + r" ([0-9.e+-]+)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_orders_and_the_outbox(client, auth, officer, citizen, shop):
    from tests.citizen.test_portal import _login, _order

    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    before = client.get("/metrics").get_data(as_text=True)
    _login(auth, citizen)
    _, key = _order(client, {shop.bag_a: 1})
    assert client.post("/borger/bestil/send", data={"idempotency_key": key}).status_code == 302
    after = client.get("/metrics").get_data(as_text=True)
    assert _value(after, "stomi_orders_sent_total", outcome="accepted") == _value(before, "stomi_orders_sent_total",
                                                                                   outcome="accepted") + 1
    assert _value(after, "stomi_http_requests_total", endpoint="citizen_portal.order_send", method="POST",
                  status="302") >= 1
    assert _value(after, "stomi_outbox_pending") == 1  # the accepted order's instruction waits for the dispatcher
    assert "/borger/ordrer/" not in after  # labelled by endpoint, never by a path with an id in it


@pytest.mark.committing
def test_metrics_need_the_token_from_elsewhere(database_url, app, instance_dir):
    guarded = make_app(database_url, METRICS_TOKEN="s3cret").test_client()
    assert guarded.get("/metrics").status_code == 403
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert guarded.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    local = make_app(database_url).test_client()
    assert local.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    assert local.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
