"""The stoma nurses' console: work queue, advice, approvals, discharge."""

from nurse_console.blueprint import bp  # noqa: F401  (registered by the app factory)

from nurse_console import views  # noqa: E402,F401
