"""Fulfilment: warehouse instructions out, status events back, pick lists."""
from flask import Blueprint

from fulfilment.instructions import on_order_accepted, stop_instruction
from stomi_app.ordering import ACCEPTED_HOOKS, STOP_HOOKS

bp = Blueprint("fulfilment", __name__, template_folder="templates")

# Every accepted order gets its warehouse instruction in the same transaction (see stomi_app.ordering.set_status).
if on_order_accepted not in ACCEPTED_HOOKS:
    ACCEPTED_HOOKS.append(on_order_accepted)
# A cancel of an accepted order withdraws its instruction, or is refused once the instruction has left.
if stop_instruction not in STOP_HOOKS:
    STOP_HOOKS.append(stop_instruction)

from fulfilment import views  # noqa: E402,F401
