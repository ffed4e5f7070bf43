"""The municipality's portal: grant officers' grants, consumption and statistics."""

from municipal_portal.blueprint import bp  # noqa: F401  (registered by the app factory)

from municipal_portal import views  # noqa: E402,F401
from municipal_portal import invoicing_views  # noqa: E402,F401
from municipal_portal import statistics_views  # noqa: E402,F401
from municipal_portal import discharge_views  # noqa: E402,F401
from municipal_portal import recommendation_views  # noqa: E402,F401
