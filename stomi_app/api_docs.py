"""The OpenAPI 3.1 document of every JSON API (/api/v1/openapi.json) and its server-rendered page (/api/v1/docs)."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify, render_template
from flask_babel import force_locale
from markupsafe import Markup, escape

from stomi_app.apischema import openapi_document

bp = Blueprint("api_docs", __name__)


@bp.app_template_filter("openapi_text")
def openapi_text(text: str | None) -> Markup:
    """An OpenAPI description for HTML: escaped, with its `code` spans (the only markdown we use) as <code>."""
    escaped = str(escape(text or ""))
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.get("/docs")
def page():
    # The OpenAPI document is English, so the whole page is (and says lang="en"), not Danish headings around it.
    with force_locale("en"):
        return render_template("api/docs.html", doc=openapi_document())
