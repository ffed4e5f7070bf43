"""Named signals for cross-area effects: a domain package sends, another connects in its own init (blinker).

Receivers run synchronously inside the sender's transaction, so what they write (a notice) commits or rolls back
with its cause. Each signal is sent from the one place its change happens.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the order, just accepted, in the same transaction. Sent by ordering.services.set_status (fulfilment makes
# its warehouse instruction).
order_accepted = _signals.signal("order-accepted")
# sender: the accepted order; kwargs: stop. Asked whether the work it started elsewhere can still be stopped: each
# receiver answers True or False (fulfilment: False once the warehouse instruction may be with the provider). With
# stop=True the caller holds the order's row lock and a True answer has stopped it, in the caller's transaction.
order_stopping = _signals.signal("order-stopping")
# sender: the order; kwargs: from_status, to_status, reason, routing_reasons (a move to approval's RoutingReasons).
# Sent by ordering.services.set_status after the move.
order_status_changed = _signals.signal("order-status-changed")
# sender: the AdviceQuestion; kwargs: message. Sent by care.nursing.answer_advice.
advice_answered = _signals.signal("advice-answered")
# sender: the ProductChangeRequest (approved or rejected). Sent by care.approvals.
product_change_decided = _signals.signal("product-change-decided")
# sender: the Grant; kwargs: action ("created", "changed", "ended", "end_withdrawn"), version. Sent by grants.services.
grant_changed = _signals.signal("grant-changed")
# sender: the DeliveryProblem, closed by the callcenter or a stoma nurse; kwargs: note.
delivery_problem_answered = _signals.signal("delivery-problem-answered")
# sender: the municipality's id. A question, not news: each receiver answers the months whose figures stand as issued
# ({first day of the month: invoice number}); invoicing answers with its valid invoices. Sent by grants.services
# before a grant's dates change, so a change never reprices an invoiced month (the FSC credits it first).
invoiced_months = _signals.signal("invoiced-months")


def answers(signal, sender) -> dict:
    """The union of what the receivers of a question signal answered."""
    merged: dict = {}
    for _receiver, answer in signal.send(sender):
        merged.update(answer or {})
    return merged
