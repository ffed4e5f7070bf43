"""The blueprint of the citizen's pages: its own module, so the views import it without importing the package that
imports them."""
from flask import Blueprint

bp = Blueprint("citizen_portal", __name__, template_folder="templates")
