"""/metrics tells the monitoring system when notices are not getting out (a channel's provider down)."""
from __future__ import annotations

from sqlalchemy import update

from notices.models import DeliveryStatus, NoticeDelivery
from notices.services import notify
from notices.texts import Kind
from stomi_app.extensions import db
from tests.test_metrics import _value


def test_pending_and_given_up_deliveries_are_counted_by_channel(client, emailed):
    notify(emailed, Kind.ORDER_REJECTED, "order:7:order_rejected", params={"number": "0000007", "reason": "For tidligt"})
    db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "stomi_notice_deliveries", channel="email", status="pending") == 1
    assert _value(text, "stomi_notice_oldest_pending_seconds") >= 0
    db.session.execute(update(NoticeDelivery).where(NoticeDelivery.channel == "email").values(status=DeliveryStatus.FAILED))
    db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "stomi_notice_deliveries", channel="email", status="pending") == 0
    assert _value(text, "stomi_notice_deliveries", channel="email", status="failed") == 1
