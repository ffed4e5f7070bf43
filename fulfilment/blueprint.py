"""The blueprint of the warehouse's pages: its own module, so the views import it without importing the package that
imports them."""
from flask import Blueprint

bp = Blueprint("fulfilment", __name__, template_folder="templates")
