"""The stoma nurses' console: work queue, advice, approvals, discharge."""
from flask import Blueprint

bp = Blueprint("nurse_console", __name__, template_folder="templates")

from nurse_console import views  # noqa: E402,F401
