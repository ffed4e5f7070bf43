"""The citizen's self-service: start page, ordering, deliveries, advice."""

from citizen_portal.blueprint import bp  # noqa: F401  (registered by the app factory)

from citizen_portal import views  # noqa: E402,F401
from citizen_portal import advice  # noqa: E402,F401
from citizen_portal import privacy_views  # noqa: E402,F401
from citizen_portal import notice_views  # noqa: E402,F401
