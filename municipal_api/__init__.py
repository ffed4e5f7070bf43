"""The API for the municipalities' own case systems (/api/v1): grants in; consumption, orders and invoices out."""
from flask import Blueprint

bp = Blueprint("municipal_api", __name__)

from municipal_api import views  # noqa: E402,F401
