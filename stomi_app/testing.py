"""A Flask test client for in-process use (tests, the bench) that never leaks a logged-in user or a CSRF token."""
from __future__ import annotations

from flask import current_app, g, has_app_context
from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    """Requests made while an app context is held reuse it, and with it `g`, where Flask-Login caches the user and
    Flask-WTF the session's CSRF token: without clearing them a second client would act as the first one's user,
    or be given the first one's token (which its own session then refuses)."""

    def _forget_request_caches(self) -> None:
        if has_app_context():
            g.pop("_login_user", None)
            g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)

    def open(self, *args, **kwargs):
        self._forget_request_caches()
        try:
            return super().open(*args, **kwargs)
        finally:
            self._forget_request_caches()
