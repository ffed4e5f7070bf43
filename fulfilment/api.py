"""The fulfilment API under /api/v1: the provider's signed status events, and the OpenAPI document with its page."""
from __future__ import annotations

import json
import logging
import re

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import force_locale
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError

from fulfilment.events import EVENT_MAX_BYTES, EventError, receive_event
from fulfilment.openapi import openapi_document
from fulfilment.signing import SIGNATURE_HEADER, verify
from stomi_app.extensions import csrf, db

bp = Blueprint("fulfilment_api", __name__, template_folder="templates")
# Machine clients authenticate each body by its HMAC signature; there is no session to forge.
csrf.exempt(bp)
log = logging.getLogger("stomi.fulfilment.events")


def _error(status: int, code: str, message: str):
    return jsonify({"error": code, "message": message}), status


@bp.post("/fulfilment/events")
def events():
    request.max_content_length = EVENT_MAX_BYTES
    body = request.get_data(cache=False)
    header = request.headers.get(SIGNATURE_HEADER)
    if not header:
        return _error(401, "unsigned", f"the {SIGNATURE_HEADER} header is missing")
    if not verify(current_app.config["LOGISTICS_SECRET"], body, header):
        log.warning("event with a wrong signature from %s", request.remote_addr)
        return _error(401, "bad_signature", "the signature does not match the body")
    if not request.is_json:
        return _error(415, "unsupported_media_type", "the body must be sent as Content-Type: application/json")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "malformed", "the body is not valid JSON")
    except RecursionError:  # nested deeper than Python's parser recurses: no event looks like that
        return _error(400, "malformed", "the body is nested too deeply")
    try:
        result = receive_event(data)
        db.session.commit()
    except EventError as exc:
        db.session.rollback()
        return _error(exc.status, exc.code, exc.message)
    except IntegrityError:
        # The same event id arrived twice at once and the other request stored it first.
        db.session.rollback()
        return jsonify({"result": "duplicate", "order_number": data.get("order_number")}), 200
    return jsonify(result.as_json()), 200


@bp.app_template_filter("openapi_text")
def openapi_text(text: str | None) -> Markup:
    """An OpenAPI description for HTML: escaped, with its `code` spans (the only markdown we use) as <code>."""
    escaped = str(escape(text or ""))
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.get("/docs")
def api_docs():
    # The OpenAPI document is English, so the whole page is (and says lang="en"), not Danish headings around it.
    with force_locale("en"):
        return render_template("fulfilment/api_docs.html", doc=openapi_document())
