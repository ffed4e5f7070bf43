"""Ordering: drafts, routing against the grant, the order flow and its steps, replacements."""
from stomi_app import signals

# A larger grant may cover orders that waited for approval: accept those that now fit (the grant's own transaction).
REEVALUATED_ON = ("created", "changed")


def on_grant_changed(grant, *, action: str, **_details) -> None:
    if action in REEVALUATED_ON:
        # Imported when a grant is decided: the package's __init__ is loaded with its models, before the services.
        from ordering.services import reevaluate_waiting_orders

        reevaluate_waiting_orders(grant.citizen)


def init_app(app) -> None:
    """Connect ordering to the grants' signal (blinker keeps one connection however many apps are built)."""
    signals.grant_changed.connect(on_grant_changed)
