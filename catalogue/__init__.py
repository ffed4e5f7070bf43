"""The shared catalogue: product areas, categories, products, variants, contract prices."""

from catalogue.blueprint import bp  # noqa: F401  (registered by the app factory)

from catalogue import cli, views  # noqa: E402,F401
