"""The one logging setup: JSON or text lines on stderr, each carrying the request id, CPR-like numbers redacted."""
from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone

REQUEST_ID_HEADER = "X-Request-ID"
LOG_FORMATS = ("json", "text")
HANDLER_NAME = "stomi"

# A request id from a proxy is kept only when it is short and plain (no spaces, quotes or control characters that
# could forge a log line) and holds nothing like a CPR number.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# Six digits that could be a date (DDMMYY), an optional hyphen and four digits, not inside a longer number: what a
# CPR number typed into a URL, a search or an error message looks like. A false positive costs a redacted number.
_CPR_LIKE = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")
REDACTED = "[cpr-redacted]"

# Outside a request (the dispatcher, a job, a command) the id of the work at hand, set by `bind_request_id`.
_bound_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("stomi_request_id", default=None)

# Attributes every LogRecord has; anything else on a record was passed in `extra=` and goes into the JSON object.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def redact(text: str) -> str:
    return _CPR_LIKE.sub(REDACTED, text)


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """STOMI_LOG_FORMAT (json or text); JSON by default in production (STOMI_ENV=production), text elsewhere."""
    environ = os.environ if environ is None else environ
    default = "json" if environ.get("STOMI_ENV", "").lower() == "production" else "text"
    chosen = (environ.get("STOMI_LOG_FORMAT") or default).strip().lower()
    if chosen not in LOG_FORMATS:
        raise ValueError(f"STOMI_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {chosen!r}")
    return chosen


def log_level(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    chosen = (environ.get("STOMI_LOG_LEVEL") or "INFO").strip().upper()
    if chosen not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError(f"STOMI_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {chosen!r}")
    return chosen


def new_request_id() -> str:
    while True:  # a random hex id could, rarely, hold a run of digits the redaction would then hide
        candidate = uuid.uuid4().hex
        if not _CPR_LIKE.search(candidate):
            return candidate


def valid_request_id(value: str | None) -> bool:
    return bool(value) and bool(_VALID_REQUEST_ID.fullmatch(value)) and not _CPR_LIKE.search(value)


def current_request_id() -> str | None:
    """The id of the request being answered, else the one bound to the work at hand, else None."""
    from flask import g, has_request_context

    if has_request_context():
        request_id = g.get("request_id")
        if request_id:
            return request_id
    return _bound_request_id.get()


@contextmanager
def bind_request_id(request_id: str | None = None) -> Iterator[str]:
    """Log lines inside the block (outside a request: a dispatch, a job) carry this id, or a new one."""
    request_id = request_id if valid_request_id(request_id) else new_request_id()
    token = _bound_request_id.set(request_id)
    try:
        yield request_id
    finally:
        _bound_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamps the id on the record when it is handled, in the request's own thread."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or current_request_id() or "-"
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the `extra=` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test's capture, gunicorn's redirect), never a stale stream."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(fmt: str, level: str) -> None:
    """Install the platform's handler on the root logger, once per process (replacing an earlier one, so building the
    app again — tests, the CLI — never doubles the lines); other handlers (a test's log capture) are left alone."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = StderrHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # The dev server's own request lines would repeat the access line below, with the query string; alembic would
    # write two lines on every /readyz (a migration run turns it up again, in migrations/env.py).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def is_configured() -> bool:
    return any(handler.get_name() == HANDLER_NAME for handler in logging.getLogger().handlers)


access_log = logging.getLogger("stomi.access")


def init_app(app) -> None:
    """Give every request an id (a trusted proxy's valid X-Request-ID, else a new one), answer it in the response
    header, and write one access line per request: method, path without its query string, status, duration."""
    from flask import g, request

    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    @app.before_request
    def _assign_request_id():
        given = request.headers.get(REQUEST_ID_HEADER) if app.config["TRUST_REQUEST_ID"] else None
        g.request_id = given if valid_request_id(given) else new_request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        request_id = current_request_id()
        if request_id is None:  # a response made before the hook above ran
            request_id = g.request_id = new_request_id()
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        path = request.path[:200]  # never the query string: a search may hold a CPR number or a name
        access_log.info("%s %s %s %sms", request.method, path, response.status_code, duration_ms,
                        extra={"method": request.method, "path": path, "status": response.status_code,
                               "duration_ms": duration_ms, "endpoint": request.endpoint or "-"})
        return response
