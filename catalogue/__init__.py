"""The shared catalogue: product areas, categories, products, variants, contract prices."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__, template_folder="templates")

from catalogue import views  # noqa: E402,F401
