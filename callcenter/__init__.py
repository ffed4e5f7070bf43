"""The callcenter (single point of contact): find the citizen, order on their behalf, transfer to advice."""

from callcenter.blueprint import bp  # noqa: F401  (registered by the app factory)

from callcenter import models  # noqa: E402,F401  (the call log's table, for the metadata and Alembic)
from callcenter import views  # noqa: E402,F401
