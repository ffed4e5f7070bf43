"""The ordering fixtures serve the citizen portal's tests too."""
from tests.ordering.conftest import citizen, measured, officer, shop  # noqa: F401
