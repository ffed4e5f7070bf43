"""The blueprint of the catalogue's pages (browse, and the FSC's product administration): its own module, so the
views import it without importing the package that imports them."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__, template_folder="templates", static_folder="static")
