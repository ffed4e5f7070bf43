"""The rules of the provider's status events that both their check (fulfilment.events) and their published schema
(fulfilment.schemas) state: the event types, the texts' lengths, the clock skew allowed, the order number's range."""
from __future__ import annotations

from datetime import timedelta

from ordering.models import OrderStatus

EVENT_STATUS = {
    "picked": OrderStatus.PICKED,
    "cut": OrderStatus.CUT,
    "packed": OrderStatus.PACKED,
    "shipped": OrderStatus.SHIPPED,
    "delivered": OrderStatus.DELIVERED,
    "failed": OrderStatus.DELIVERY_FAILED,
}
# The optional texts of an event with their longest length, and which event types need them.
EVENT_TEXT = {"tracking_reference": 100, "carrier": 100, "reason": 500}
# How far the provider's clock may be from ours, either way: an event time later than now, or earlier than the order's
# acceptance, by more than this is refused (422). Earlier than acceptance would date a delivery into a month that may
# already be invoiced. Stated in the OpenAPI document.
CLOCK_SKEW = timedelta(minutes=10)
# supply_order.id is a 32-bit integer: a larger order number names no order (and PostgreSQL would refuse the query).
MAX_ORDER_ID = 2**31 - 1
ORDER_NUMBER_MAX_DIGITS = 12
