"""The blueprint of the stoma nurses' pages: its own module, so the views import it without importing the package that
imports them."""
from flask import Blueprint

bp = Blueprint("nurse_console", __name__, template_folder="templates")
