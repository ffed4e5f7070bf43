"""The shared catalogue: product areas, categories, products, variants, contract prices."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__, template_folder="templates", static_folder="static")

from catalogue import cli, views  # noqa: E402,F401
