"""Fulfilment: warehouse instructions out, status events back, pick lists."""
from flask import Blueprint

bp = Blueprint("fulfilment", __name__, template_folder="templates")

from fulfilment import views  # noqa: E402,F401
