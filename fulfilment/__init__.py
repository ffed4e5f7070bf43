"""Fulfilment: warehouse instructions out, status events back, pick lists."""
from flask import Blueprint

from fulfilment.instructions import on_order_accepted
from stomi_app.ordering import ACCEPTED_HOOKS

bp = Blueprint("fulfilment", __name__, template_folder="templates")

# Every accepted order gets its warehouse instruction in the same transaction (see stomi_app.ordering.set_status).
if on_order_accepted not in ACCEPTED_HOOKS:
    ACCEPTED_HOOKS.append(on_order_accepted)

from fulfilment import views  # noqa: E402,F401
