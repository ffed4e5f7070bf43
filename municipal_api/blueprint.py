"""The blueprint of the municipalities' API (/api/v1): its own module, so the views import it without importing the package that
imports them."""
from flask import Blueprint

bp = Blueprint("municipal_api", __name__)
