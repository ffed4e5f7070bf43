"""The municipality's portal: grant officers' grants, consumption and statistics."""
from flask import Blueprint

bp = Blueprint("municipal_portal", __name__, template_folder="templates")

from municipal_portal import views  # noqa: E402,F401
from municipal_portal import invoicing_views  # noqa: E402,F401
from municipal_portal import statistics_views  # noqa: E402,F401
from municipal_portal import discharge_views  # noqa: E402,F401
from municipal_portal import recommendation_views  # noqa: E402,F401
