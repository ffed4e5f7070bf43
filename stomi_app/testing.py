"""A Flask test client for in-process use (tests, `stomi bench`) that never leaks a logged-in user."""
from __future__ import annotations

from flask import g, has_app_context
from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    """Requests made while an app context is held reuse it, and with it `g`, where Flask-Login caches the
    user: without clearing that cache a second client would act as the first one's user."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        try:
            return super().open(*args, **kwargs)
        finally:
            if has_app_context():
                g.pop("_login_user", None)
