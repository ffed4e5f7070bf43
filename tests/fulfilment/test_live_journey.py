"""End to end over real HTTP on 127.0.0.1: accepted order → dispatcher → simulator → signed events → "Leveret"."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from fulfilment.dispatch import dispatch_pending
from fulfilment.models import ReceivedEvent
from fulfilment.simulator import LogisticsSimulator
from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from tests.fixtures.app import Auth
from tests.fixtures.orders import at, place

pytestmark = pytest.mark.committing


@pytest.fixture
def live_app(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_citizen_sees_delivered_with_tracking(app, client, granted, shop, live_app):
    order = place(granted, {shop.plate: 2, shop.bag_a: 1}, at(2026, 3, 2))
    simulator = LogisticsSimulator("127.0.0.1", 0, secret=app.config["LOGISTICS_SECRET"],
                                   events_url=f"{live_app}/api/v1/fulfilment/events", step_delay=0.05).start()
    saved = app.config["LOGISTICS_URL"]
    app.config["LOGISTICS_URL"] = simulator.url
    try:
        assert dispatch_pending().sent == 1
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.scalar(select(Order.status).where(Order.id == order.id)) is OrderStatus.DELIVERED:
                break
            time.sleep(0.05)
        stats = simulator.player.posted
    finally:
        app.config["LOGISTICS_URL"] = saved
        simulator.close()
    order = db.session.get(Order, order.id)
    assert [e.to_status.value for e in order.events] == [
        "accepted", "sent_to_warehouse", "picked", "cut", "packed", "shipped", "delivered"]
    assert order.tracking_reference.startswith("SIM") and order.carrier == "PostNord"
    assert order.delivered_at is not None
    assert dict(stats) == {"picked": 1, "cut": 1, "packed": 1, "shipped": 1, "delivered": 1}
    assert len(db.session.scalars(select(ReceivedEvent)).all()) == 5

    Auth(client).citizen("150348-1234")
    html = client.get(f"/borger/ordrer/{order.id}").get_data(as_text=True)
    assert "Leveret" in html and order.tracking_reference in html
