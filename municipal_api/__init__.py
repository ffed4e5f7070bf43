"""The API for the municipalities' own case systems (/api/v1): grants in; consumption, orders and invoices out."""

from municipal_api.blueprint import bp  # noqa: F401  (registered by the app factory)

from municipal_api import views  # noqa: E402,F401
