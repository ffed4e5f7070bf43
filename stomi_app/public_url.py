"""Absolute addresses for links that leave the site (e-mails, SMS): from STOMI_PUBLIC_URL, never a request's Host."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

# Development without STOMI_PUBLIC_URL outside a request (a job in the worker): the demo's address.
DEVELOPMENT_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """The page's absolute URL. Production requires an https STOMI_PUBLIC_URL (stomi_app.configcheck); without one a
    request's own address is used in development, or the demo's in a background job."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or DEVELOPMENT_URL)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
