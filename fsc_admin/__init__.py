"""The FSC secretariat's administration: municipalities, users, catalogue, invoicing."""

from fsc_admin.blueprint import bp  # noqa: F401  (registered by the app factory)

from fsc_admin import views  # noqa: E402,F401
from fsc_admin import invoicing_views  # noqa: E402,F401
from fsc_admin import statistics_views  # noqa: E402,F401
from fsc_admin import audit_views  # noqa: E402,F401
from fsc_admin import api_clients  # noqa: E402,F401
from fsc_admin import users_views  # noqa: E402,F401
from fsc_admin import organisation_views  # noqa: E402,F401
