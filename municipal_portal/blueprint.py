"""The blueprint of the municipality's pages: its own module, so the views import it without importing the package that
imports them."""
from flask import Blueprint

bp = Blueprint("municipal_portal", __name__, template_folder="templates")
