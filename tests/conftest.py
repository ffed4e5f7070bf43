"""Loads the shared fixtures of tests/fixtures/ for every test folder (pytest takes `pytest_plugins` only here)."""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.catalogue",
    "tests.fixtures.people",
    "tests.fixtures.orders",
    "tests.fixtures.fulfilment",
    "tests.fixtures.invoicing",
]
