"""One schema source for every JSON API: pydantic models validate requests and make the OpenAPI 3.1 document.

A view declares its operation with `@operation(...)` (request model, response models, parameters, security); the
document at /api/v1/openapi.json is built from those declarations and the app's URL map, so the paths, the schemas
and the validation cannot drift apart. Every refusal is an RFC 9457 problem detail (`application/problem+json`)
made by `problem()`, raised as `ApiProblem` from anywhere under /api/, or made by the app's error handlers for the
answers Flask gives before a view (404, 405, 413, ...).

Why pydantic v2 with this small builder, not flask-openapi3 or spectree: both wrap the view in their own request
parsing and error format, and flask-openapi3 needs its own app and blueprint classes; here the app factory, the
fulfilment API's HMAC check before parsing (the signature covers the raw bytes) and the OAuth check stay as they
are, and pydantic's `model_json_schema` is already JSON Schema 2020-12, which OpenAPI 3.1 uses as it is.
"""
from __future__ import annotations

import json
import re
from datetime import date
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated, Any, Callable

from flask import current_app, request
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema

PROBLEM_MEDIA_TYPE = "application/problem+json"
OPENAPI_VERSION = "3.1.0"
# supply_order.id and every other id are 32-bit integers: a larger id names nothing (and PostgreSQL refuses it).
MAX_ID = 2**31 - 1


class ApiModel(BaseModel):
    """The base of every request body: strict types (a "5" is no number), no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class FieldProblem(BaseModel):
    field: str = Field(description="Where in the body, as dotted names and list positions, e.g. `lines.0.quantity`.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail. `error` is a stable machine-readable code and `message` repeats `detail`
    (the fulfilment API's first clients read those two)."""

    type: str = Field(description="A link to this problem's description on the API page.")
    title: str
    status: int
    detail: str
    error: str
    message: str
    errors: list[FieldProblem] | None = Field(default=None, description="Each invalid field, for `invalid_body`.")


class ApiProblem(Exception):
    """A refusal under /api/: raised anywhere, answered by the app's handler as a problem detail."""

    def __init__(self, status: int, code: str, detail: str, *, errors: list[dict] | None = None,
                 headers: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors, self.headers = status, code, detail, errors, headers or {}


# The codes any API under /api/ may answer, made by parse_body/parse_query or the app's error handlers.
COMMON_PROBLEMS = {
    "malformed": "The body is not JSON, is nested too deeply, or is not a JSON object (400).",
    "unsupported_media_type": "The body is not sent as `application/json` (415).",
    "invalid_body": "A field is missing or invalid; `errors` names each field (422).",
    "invalid_query": "A query parameter is invalid; `errors` names it (422).",
    "bad_request": "The request could not be understood (400).",
    "not_found": "No such path, or nothing with that id that you may see (404).",
    "method_not_allowed": "The path does not take this method; `Allow` says which (405).",
    "too_large": "The body is larger than allowed (413).",
    "rate_limited": "Too many requests; retry after `Retry-After` seconds (429).",
    "server_error": "The platform failed; nothing was saved (500).",
    "unavailable": "The platform's database is unavailable; retry after `Retry-After` seconds (503).",
}


def problem(status: int, code: str, detail: str, *, errors: list[dict] | None = None, headers: dict | None = None):
    """The one place a problem detail is made."""
    body = {"type": f"/api/v1/docs#problem-{code}", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail, "error": code, "message": detail}
    if errors:
        body["errors"] = errors
    response = current_app.json.response(body)
    response.mimetype = PROBLEM_MEDIA_TYPE
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _field_problems(exc: ValidationError) -> list[dict]:
    # Only where and what: pydantic's `input` would echo the value back, and a value may be a CPR number.
    return [{"field": ".".join(str(part) for part in e["loc"]) or "(body)", "message": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False, include_context=False)]


def parse_body(model: type[BaseModel], raw: bytes | None = None):
    """The request's JSON body as `model`, or ApiProblem: 415 not JSON, 400 malformed, 422 with every invalid field.

    Parsed by Python's json first, then validated: pydantic's own parser refuses a lone surrogate escape and nesting
    past a couple of hundred levels as "invalid JSON", while those are well-formed JSON with a wrong value (422).
    """
    if not request.is_json:
        raise ApiProblem(415, "unsupported_media_type", "the body must be sent as Content-Type: application/json")
    raw = request.get_data(cache=True) if raw is None else raw
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "malformed", "the body is not valid JSON") from None
    except RecursionError:  # nested deeper than Python's parser recurses: no request looks like that
        raise ApiProblem(400, "malformed", "the body is nested too deeply") from None
    if not isinstance(data, dict):
        raise ApiProblem(400, "malformed", "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiProblem(422, "invalid_body", "the body does not follow the schema", errors=_field_problems(exc)) from None
    except RecursionError:
        raise ApiProblem(400, "malformed", "the body is nested too deeply") from None


def storable(value: str) -> str:
    """PostgreSQL cannot store a NUL character, and no database a lone surrogate (a JSON `\\ud800` escape makes one)."""
    if "\x00" in value:
        raise ValueError("must not hold a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not hold an unpaired surrogate") from None
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


def Text(max_length: int, **kwargs):  # noqa: N802  (a type, used as one)
    """A request text: a JSON string (strict), not blank, at most `max_length` characters, storable; trimmed."""
    return Annotated[str, Field(min_length=1, max_length=max_length, **kwargs), AfterValidator(storable),
                     AfterValidator(_not_blank)]


# A date or date-time in the body is an ISO 8601 string; the model is strict, so these fields are lax by name only
# (strict validation of Python objects would want a date object, which JSON cannot hold).
JsonDate = Annotated[date, Field(strict=False)]
JsonDateTime = Annotated[AwareDatetime, Field(strict=False)]


def parse_query(model: type[BaseModel]):
    """The query string as `model` (lax: every query value arrives as text), or ApiProblem 422."""
    try:
        return model.model_validate(request.args.to_dict(), strict=False)
    except ValidationError as exc:
        raise ApiProblem(422, "invalid_query", "a query parameter is invalid", errors=_field_problems(exc)) from None


@dataclass
class Reply:
    """One documented answer: a description and, when it has a body, its model (or a raw media type)."""

    description: str
    model: type[BaseModel] | None = None
    # e.g. application/pdf (or a tuple of them); with model None, the body is that media type's bytes
    media_type: str | tuple[str, ...] | None = None
    headers: dict[str, str] = field(default_factory=dict)  # header name → description


def problem_reply(description: str) -> Reply:
    return Reply(description, Problem, PROBLEM_MEDIA_TYPE)


@dataclass
class Operation:
    operation_id: str
    summary: str
    description: str = ""
    tag: str = ""
    body: type[BaseModel] | None = None
    body_example: dict | None = None
    # A body another part parses (the OAuth token endpoint's form, read by Authlib): documented, not validated here.
    body_media_type: str = "application/json"
    query: type[BaseModel] | None = None
    headers: list[dict] = field(default_factory=list)  # OpenAPI header parameters
    path_schemas: dict[str, dict] = field(default_factory=dict)  # a path parameter's schema, when not the converter's
    responses: dict[str, Reply] = field(default_factory=dict)
    security: list[dict] | None = None
    # Only for operations another party implements (the provider's /instructions): where, and which method.
    path: str | None = None
    method: str | None = None
    servers: list[dict] | Callable[[], list[dict]] | None = None


def operation(**kwargs) -> Callable:
    """Declare a view's operation for the document: `@operation(operation_id=..., body=Model, responses={...})`."""
    spec = Operation(**kwargs)

    def decorate(view):
        view.api_operation = spec
        return view

    return decorate


@dataclass
class ApiDocument:
    """What the app's APIs add to the document besides their views: schemes, tags, other parties' operations."""

    title: str = "Stoma supplies – API"
    version: str = "1.0.0"
    description: list[str] = field(default_factory=list)
    security_schemes: dict[str, dict] = field(default_factory=dict)
    tags: list[dict] = field(default_factory=list)
    external: list[Operation] = field(default_factory=list)
    extra_models: list[type[BaseModel]] = field(default_factory=list)
    servers: Callable[[], list[dict]] | None = None
    # Every problem detail's `error` code with what it means: the targets of the problems' `type` links.
    problems: dict[str, str] = field(default_factory=lambda: dict(COMMON_PROBLEMS))


def api_document(app=None) -> ApiDocument:
    """The app's document parts (made once per app, filled by each API's init)."""
    app = app or current_app
    return app.extensions.setdefault("stomi_api_document", ApiDocument())


_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path_of(rule, op: Operation) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        converter, name = match.group(1) or "default", match.group(2)
        schema = ({"type": "integer", "minimum": 1, "maximum": MAX_ID} if converter == "int" else {"type": "string"})
        schema = op.path_schemas.get(name, schema)
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _CONVERTER.sub(replace, rule.rule), params


def _query_params(model: type[BaseModel], ref_template: str) -> list[dict]:
    schema = model.model_json_schema(ref_template=ref_template)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "description": prop.pop("description", ""),
             "schema": prop} for name, prop in schema["properties"].items()]


def _responses(op: Operation) -> dict:
    out = {}
    for status, reply in op.responses.items():
        item: dict[str, Any] = {"description": reply.description}
        if reply.model is not None:
            item["content"] = {reply.media_type or "application/json": {
                "schema": {"$ref": f"#/components/schemas/{reply.model.__name__}"}}}
        elif reply.media_type:
            kinds = (reply.media_type,) if isinstance(reply.media_type, str) else reply.media_type
            item["content"] = {kind: {"schema": {"type": "string", "contentMediaType": kind}} for kind in kinds}
        if reply.headers:
            item["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                               for name, text in reply.headers.items()}
        out[status] = item
    return out


def _item(op: Operation, path_params: list[dict], ref_template: str) -> dict:
    item: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary, "description": op.description}
    if op.tag:
        item["tags"] = [op.tag]
    params = path_params + list(op.headers) + (_query_params(op.query, ref_template) if op.query else [])
    if params:
        item["parameters"] = params
    if op.body is not None:
        content = {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}
        if op.body_example is not None:
            content["example"] = op.body_example
        item["requestBody"] = {"required": True, "content": {op.body_media_type: content}}
    item["responses"] = _responses(op)
    if op.security is not None:
        item["security"] = op.security
    return item


def openapi_document(app=None) -> dict:
    """The OpenAPI 3.1 document of every declared operation, with the schemas of their models."""
    app = app or current_app
    parts = api_document(app)
    paths: dict[str, dict] = {}
    operations: list[tuple[str, str, Operation, list[dict]]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        op = getattr(view, "api_operation", None)
        if op is None:
            continue
        path, params = _path_of(rule, op)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations.append((path, method.lower(), op, params))
    for op in parts.external:
        operations.append((op.path, op.method, op, []))
    ref_template = "#/components/schemas/{model}"
    models: dict[str, type[BaseModel]] = {"Problem": Problem}
    for _path, _method, op, _params in operations:
        for model in [op.body] + [r.model for r in op.responses.values()]:
            if model is not None:
                models[model.__name__] = model
    for model in parts.extra_models:
        models[model.__name__] = model
    for path, method, op, params in operations:
        entry = paths.setdefault(path, {})
        entry[method] = _item(op, params, ref_template)
        if op.servers:
            entry["servers"] = op.servers() if callable(op.servers) else op.servers
    # Request bodies are validated, answers serialised: one schema each, named by the model.
    _keys, top = models_json_schema([(m, "validation") for m in models.values()], ref_template=ref_template)
    schemas = dict(sorted(top.get("$defs", {}).items()))
    doc = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": parts.title, "version": parts.version, "description": "\n\n".join(parts.description)},
        # Not part of OpenAPI: the problem types the `type` links of the answers point at (the docs page lists them).
        "x-problem-types": dict(sorted(parts.problems.items())),
        "servers": parts.servers() if parts.servers else [{"url": "/", "description": "The platform"}],
        "tags": parts.tags,
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "securitySchemes": parts.security_schemes},
    }
    return doc


def omittable(*, extra: dict | None = None, **kwargs):
    """A field that is left out when there is nothing to say (never sent as null): optional, not nullable."""
    def schema(node: dict) -> None:
        node.pop("default", None)
        node.update(extra or {})

    return Field(default=None, json_schema_extra=schema, **kwargs)
