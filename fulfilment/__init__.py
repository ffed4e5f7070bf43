"""Fulfilment: warehouse instructions out, status events back, pick lists."""

from fulfilment.instructions import on_order_accepted, stop_instruction
from fulfilment.metrics import OutboxCollector
from stomi_app import signals
from stomi_app.metrics import register_collector

from fulfilment.blueprint import bp  # noqa: F401  (registered by the app factory)


def init_app(app) -> None:
    """Connect fulfilment to the order's signals (blinker keeps one connection however many apps are built)."""
    # Every accepted order gets its warehouse instruction in the same transaction (ordering.services.set_status).
    signals.order_accepted.connect(on_order_accepted)
    # A cancel of an accepted order withdraws its instruction, or is refused once the instruction has left.
    signals.order_stopping.connect(stop_instruction)
    # The outbox's backlog and age at /metrics.
    register_collector(OutboxCollector)

from fulfilment import views  # noqa: E402,F401
