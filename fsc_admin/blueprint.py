"""The blueprint of the FSC secretariat's pages: its own module, so the views import it without importing the package that
imports them."""
from flask import Blueprint

bp = Blueprint("fsc_admin", __name__, template_folder="templates")
