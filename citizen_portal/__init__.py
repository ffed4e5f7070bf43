"""The citizen's self-service: start page, ordering, deliveries, advice."""
from flask import Blueprint

bp = Blueprint("citizen_portal", __name__, template_folder="templates")

from citizen_portal import views  # noqa: E402,F401
from citizen_portal import advice  # noqa: E402,F401
from citizen_portal import privacy_views  # noqa: E402,F401
from citizen_portal import notice_views  # noqa: E402,F401
