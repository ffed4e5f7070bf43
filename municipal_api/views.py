"""The municipal API's operations: thin views over the same grant, consumption, order and invoice services as the
portal, each scoped to the calling client's municipality in the query, audited as that municipality's system."""
from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import timedelta
from functools import wraps

from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6750.errors import InsufficientScopeError
from flask import Response, current_app, g, jsonify, request
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from catalogue.models import Category
from catalogue.services import variant_by_article_number
from invoicing.fees import InvoicingError, parse_month
from invoicing.models import Invoice, InvoiceDocument
from invoicing.run import MEDIA_TYPES
from municipal_api.blueprint import bp
from municipal_api.schemas import (
    AwaitingOut, CitizenRef, ConsumptionOut, GrantChangeIn, GrantCreate, GrantEnd, GrantLineOut, GrantOut,
    InvoiceOut, InvoicesOut, LineUseOut, OAuthError, OrderChange, OrderChangesOut, OrderLineOut, OrderOut, Token,
    StatisticsReportOut, StatisticsReportsOut, TokenRequest,
)
from stomi_app import cpr, transaction
from stomi_app.apischema import (
    MAX_ID, ApiModel, ApiProblem, Reply, operation, parse_body, parse_query, problem, problem_reply,
)
from stomi_app.audit import record
from stomi_app.db import utcnow
from stomi_app.extensions import csrf, db, limiter
from grants.services import (
    GrantError, GrantLineInput, awaiting_approval, change_grant, citizen_by_cpr, consumption, create_grant, end_grant, grant_of,
)
from stomi_app.models.citizen import Citizen
from grants.models import Grant, GrantPeriod
from ordering.models import Order, OrderEvent, OrderStatus
from stomi_app.models.api_clients import ApiClient, ApiIdempotentAnswer, ApiToken
from stomi_app.oauth import authorization, require_oauth, token_hash
from usage_statistics.export import CSV_MEDIA_TYPE
from usage_statistics.report import report_of, reports_of
from stomi_app.timeutil import local_today

from pydantic import Field

# Machine clients prove themselves by a bearer token or their client secret; there is no session to forge.
csrf.exempt(bp)
TAG = "Municipal systems"
BEARER = [{"OAuth2": []}]
IDEMPOTENCY_KEY_MAX = 200
# How long a key's first answer is kept for replays: far longer than any client retries, short enough that the table
# stays small. Older answers of the client are deleted as it stores a new one.
IDEMPOTENCY_DAYS = 30
FEED_LIMIT_MAX = 500


def _client_key() -> str:
    """The rate limit's key: the client a valid bearer token belongs to, else the client id sent to the token
    endpoint, else the caller's address."""
    client = _token_client()
    if client is not None:
        return f"api-client:{client.id}"
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username:
        return f"api-client-id:{auth.username[:48]}"
    return f"api-address:{request.remote_addr}"


def _token_client() -> ApiClient | None:
    # Kept with the request, not in `g`: an app context (and its `g`) may outlive one request, e.g. in tests.
    if "stomi.api_token_client" not in request.environ:
        header = request.headers.get("Authorization", "")
        found = None
        if header[:7].lower() == "bearer " and 0 < len(header) <= 300:
            token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(header[7:].strip())))
            if token is not None and not token.is_expired() and not token.is_revoked():
                found = token.client
        request.environ["stomi.api_token_client"] = found
    return request.environ["stomi.api_token_client"]


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_client_key)(bp)


@bp.record_once
def _setup(state) -> None:
    from stomi_app.apischema import api_document
    from stomi_app.oauth import init_app

    init_app(state.app)
    parts = api_document(state.app)
    parts.description.append(
        "**Municipal systems.** A municipality's case system creates, changes and ends grants for its own citizens "
        "and reads their consumption, their orders' statuses, the orders waiting for the municipality's decision "
        "and its invoices. It signs in with OAuth 2.0 client credentials (`POST /api/v1/oauth/token`, the client id "
        "and secret the FSC administrator made for it) and sends the token as `Authorization: Bearer <token>`. A "
        "citizen is named by CPR number only in a request body, never in a URL, and never echoed back; a citizen "
        "of another municipality is answered exactly as an unknown one (404). Every write takes an "
        "`Idempotency-Key`. Every error is an RFC 9457 problem detail (`application/problem+json`) with a stable "
        "`error` code; the token endpoint answers errors as RFC 6749 says.")
    parts.security_schemes["OAuth2"] = {
        "type": "oauth2", "description": "Client credentials; one client per municipality.",
        "flows": {"clientCredentials": {"tokenUrl": "/api/v1/oauth/token", "scopes": {
            "grants:write": "Create, change and end grants; read them.",
            "consumption:read": "Read a citizen's consumption against the grant this period.",
            "orders:read": "Read the orders' status changes and the orders waiting for a decision.",
            "invoices:read": "Read the municipality's invoices and their documents."}}}}
    parts.problems.update({
        "invalid_token": "No bearer token, or one that is unknown, expired or revoked; get a new one (401).",
        "insufficient_scope": "The token lacks the scope the operation needs (403).",
        "idempotency_key_missing": "A write needs an `Idempotency-Key` header of visible ASCII characters (400).",
        "idempotency_key_reused": "The `Idempotency-Key` was used before with another request (422).",
        "idempotency_key_in_use": "A request with this `Idempotency-Key` failed at the same moment; retry (409).",
        "grant_refused": "The grant breaks a rule (dates, an unknown article number or category, an ended grant); "
                         "`errors` names the field (422). Nothing was changed.",
        "citizen_not_found": "No citizen with this CPR number lives in your municipality (404).",
        "grant_not_found": "No grant with this id for a citizen of your municipality (404).",
    })
    parts.security_schemes["ClientSecretBasic"] = {
        "type": "http", "scheme": "basic", "description": "The client id and secret, for the token endpoint only."}
    parts.tags.append({"name": TAG, "description": "The municipalities' case systems (KMD Nexus, Cura and others)."})


AUTH_REPLIES = {
    "401": problem_reply("No token, or a token that is unknown, expired or revoked (`invalid_token`)."),
    "403": problem_reply("The token lacks the scope this operation needs (`insufficient_scope`)."),
    "429": problem_reply("Too many calls from this client (`rate_limited`); retry after `Retry-After` seconds."),
}
BODY_REPLIES = {
    "400": problem_reply("The body is not JSON or not a JSON object (`malformed`), or the `Idempotency-Key` header is "
                         "missing or unusable (`idempotency_key_missing`)."),
    "415": problem_reply("The body is not sent as `application/json` (`unsupported_media_type`)."),
    "409": problem_reply("Another request with this `Idempotency-Key` was being handled at the same moment and did "
                         "not finish (`idempotency_key_in_use`); retry."),
    "422": problem_reply("A field is invalid (`invalid_body`, each field in `errors`), the grant breaks a rule "
                         "(`grant_refused`: dates, unknown article number or category, ...), or the `Idempotency-Key` "
                         "was used before with another request (`idempotency_key_reused`)."),
}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": True,
    "description": "Chosen by the client, unique per intended change (e.g. a UUID). A retry with the same key and "
                   "body gets the first answer again and changes nothing; the same key with another body is 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX, "pattern": "^[\\x21-\\x7e]+$"},
}


def authorised(*scopes: str):
    """Check the bearer token (any of `scopes`), then run the view as the client's municipal system; every call,
    refused or not, leaves an audit line as that system.

    A refusal (ApiProblem) is answered here rather than by the app's handler: the framework rolls back whatever
    raises, and the refused call's audit line must stay (transaction.keep)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                token = require_oauth.acquire_token(list(scopes))
            except InsufficientScopeError:
                refusal = ApiProblem(403, "insufficient_scope", f"the token needs one of the scopes: {' '.join(scopes)}",
                                     headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(scopes)}"'})
                client = _token_client()  # a valid token of a known client: its refused call is audited too
                if client is None:
                    raise refusal from None
                return _refused_call(client, refusal)
            except OAuth2Error:
                raise ApiProblem(401, "invalid_token", "send a valid access token: Authorization: Bearer <token>",
                                 headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
            g.api_client = token.client
            try:
                with force_locale("en"):  # the API, like its document, speaks English
                    response = view(*args, **kwargs)
            except ApiProblem as exc:
                return _refused_call(g.api_client, exc)
            except Exception as exc:
                transaction.discard()
                _audit_call(g.api_client, exc.code if isinstance(exc, HTTPException) and exc.code else 500)
                # The framework keeps nothing of a request that raises; a failed call is audited all the same.
                db.session.commit()
                raise
            if response.status_code >= 400:
                transaction.discard()
                _audit_call(g.api_client, response.status_code)
                transaction.keep()
            else:
                _audit_call(g.api_client, response.status_code)  # committed with the call's work
            return response
        return wrapper
    return decorate


def _refused_call(client: ApiClient, refusal: ApiProblem) -> Response:
    """The problem detail of a refused call: nothing of its work is kept, its audit line is."""
    transaction.discard()
    _audit_call(client, refusal.status)
    transaction.keep()
    return problem(refusal.status, refusal.code, refusal.detail, errors=refusal.errors, headers=refusal.headers)


def _audit_call(client: ApiClient, status: int) -> None:
    record(client.system_user, "api_call", "API call (municipal system)",
           detail=f"{request.method} {request.endpoint} -> {status}")


def _client() -> ApiClient:
    return g.api_client


def _municipality_id() -> int:
    return _client().municipality_id


def _system():
    return _client().system_user


# --- idempotency ---

def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not all("\x21" <= c <= "\x7e" for c in key):
        raise ApiProblem(400, "idempotency_key_missing",
                         f"send an Idempotency-Key header: 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters")
    return key


def _request_hash() -> str:
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(), request.get_data()])).hexdigest()


def _replay(key: str) -> Response | None:
    stored = db.session.scalar(select(ApiIdempotentAnswer).where(ApiIdempotentAnswer.api_client_id == _client().id,
                                                                  ApiIdempotentAnswer.key == key))
    if stored is None:
        return None
    if stored.request_hash != _request_hash():
        raise ApiProblem(422, "idempotency_key_reused",
                         "this Idempotency-Key was used before with another request; choose a new key")
    response = jsonify(stored.body)
    response.status_code = stored.status
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(work):
    """Run a write once per key: the key's row is taken first (a second request with the same key waits for the
    first to finish, then replays it), the first successful answer is stored in the same transaction as the change.
    A refusal is not stored (it changed nothing, the row goes with the rollback); a retry is judged afresh."""
    key = _idempotency_key()
    replayed = _replay(key)
    if replayed is not None:
        return replayed
    answer = ApiIdempotentAnswer(api_client_id=_client().id, key=key, request_hash=_request_hash(), status=0, body={})
    db.session.add(answer)
    try:
        db.session.flush()
    except IntegrityError:  # the same key at the same moment: the other request finished first, answer as it did
        transaction.discard()  # a fresh transaction, which sees the other request's committed answer
        replayed = _replay(key)
        if replayed is None:
            raise ApiProblem(409, "idempotency_key_in_use", "a request with this Idempotency-Key is still being "
                                                            "handled; retry it in a moment") from None
        return replayed
    status, body = work()
    answer.status, answer.body = status, body
    db.session.execute(delete(ApiIdempotentAnswer).where(
        ApiIdempotentAnswer.api_client_id == _client().id,
        ApiIdempotentAnswer.created_at < utcnow() - timedelta(days=IDEMPOTENCY_DAYS)))
    response = jsonify(body)
    response.status_code = status
    return response


# --- mapping between the API's shapes and the services' ---

def _citizen(cpr_text: str) -> Citizen:
    try:
        digits = cpr.normalise(cpr_text)
    except cpr.InvalidCPR:
        raise ApiProblem(422, "invalid_body", "the body does not follow the schema",
                         errors=[{"field": "cpr", "message": "not a valid CPR number"}]) from None
    citizen = citizen_by_cpr(_municipality_id(), digits)
    if citizen is None:
        raise ApiProblem(404, "citizen_not_found", "no citizen with this CPR number lives in your municipality")
    return citizen


def _grant(grant_id: int) -> Grant:
    grant = grant_of(_municipality_id(), grant_id) if grant_id <= MAX_ID else None
    if grant is None:
        raise ApiProblem(404, "grant_not_found", "no grant with this id for a citizen of your municipality")
    return grant


def _lines(data: GrantCreate | GrantChangeIn) -> list[GrantLineInput]:
    lines, errors = [], []
    for i, line in enumerate(data.lines):
        variant_id = category_id = None
        if line.article_number is not None:
            variant = variant_by_article_number(line.article_number)
            if variant is None:
                errors.append({"field": f"lines.{i}.article_number", "message": "no product variant has this article number"})
            else:
                variant_id = variant.id
        else:
            category_id = db.session.scalar(select(Category.id).where(Category.code == line.category_code))
            if category_id is None:
                errors.append({"field": f"lines.{i}.category_code", "message": "no category has this code"})
        lines.append(GrantLineInput(quantity=line.quantity, period=GrantPeriod(line.period), variant_id=variant_id,
                                    category_id=category_id, price_ceiling_oere=line.price_ceiling_oere))
    if errors:
        raise ApiProblem(422, "grant_refused", "a line names nothing in the catalogue", errors=errors)
    return lines


def _refused(exc: GrantError) -> ApiProblem:
    return ApiProblem(422, "grant_refused", str(exc),
                      errors=[{"field": exc.field or "(grant)", "message": str(exc)}])


def _grant_out(grant: Grant) -> dict:
    db.session.refresh(grant, ["lines"])
    lines = [GrantLineOut(id=l.id, article_number=l.variant.article_number if l.variant else None,
                          category_code=l.category.code if l.category else None, quantity=l.quantity,
                          period=l.period.value, price_ceiling_oere=l.price_ceiling_oere) for l in grant.lines]
    return GrantOut(id=grant.id, citizen_id=grant.citizen_id, version=grant.version, status=grant.status.value,
                    legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=grant.valid_to,
                    express_per_year=grant.express_per_year, lines=lines).model_dump(mode="json")


def _terms(data) -> dict:
    return {"legal_basis": data.legal_basis, "valid_from": data.valid_from, "valid_to": data.valid_to,
            "lines": _lines(data), "reason": data.reason, "express_per_year": data.express_per_year,
            "decided_by": data.decided_by}


GRANT_EXAMPLE = {
    "cpr": "150348-1234", "legal_basis": "Serviceloven § 112", "valid_from": "2026-12-01", "valid_to": None,
    "express_per_year": 2, "reason": "Permanent colostomy after surgery", "decided_by": "Peter Vestergaard",
    "lines": [{"article_number": "BBM-00034", "quantity": 3, "period": "month"},
              {"category_code": "baseplate_two_piece", "quantity": 2, "period": "quarter", "price_ceiling_oere": 50000}],
}


# --- the operations ---

@bp.post("/oauth/token")
@operation(
    tag=TAG, operation_id="getToken", summary="Get an access token (OAuth 2.0 client credentials)",
    description=("Form-encoded `grant_type=client_credentials` (and optionally `scope`, space-separated), with the "
                 "client id and secret by HTTP Basic authentication (or as `client_id` and `client_secret` in the "
                 "form). The token lasts `expires_in` seconds; ask for a new one then (there are no refresh tokens)."),
    body=TokenRequest, body_media_type="application/x-www-form-urlencoded",
    security=[{"ClientSecretBasic": []}, {}],
    responses={"200": Reply("The token.", Token),
               "400": Reply("Not a client-credentials request, or an unknown scope (RFC 6749 §5.2).", OAuthError),
               "401": Reply("Unknown or revoked client, or a wrong secret (`invalid_client`).", OAuthError),
               "429": problem_reply("Too many requests (`rate_limited`).")},
)
def token():
    return authorization.create_token_response()  # the token is saved only with a 200


@bp.post("/grants")
@authorised("grants:write")
@operation(
    tag=TAG, operation_id="createGrant", summary="Create a grant for a citizen of your municipality",
    description="Checked by the same rules as the grant officer's form (dates at most 3 months back, never before "
                "the operation, no invoiced month changed; each line a known variant or category). Orders waiting "
                "for approval that now fit are accepted.",
    security=BEARER, headers=[IDEMPOTENCY_HEADER], body=GrantCreate, body_example=GRANT_EXAMPLE,
    responses={"201": Reply("Created; a replay of the same key and body answers the same.", GrantOut),
               **BODY_REPLIES, **AUTH_REPLIES,
               "404": problem_reply("No citizen with this CPR number lives in your municipality (`citizen_not_found`).")},
)
def grant_create():
    def work():
        data = parse_body(GrantCreate)
        citizen = _citizen(data.cpr)
        try:
            grant = create_grant(_system(), citizen, **_terms(data))
        except GrantError as exc:
            raise _refused(exc) from None
        record(_system(), "change", "Grant created (municipal system)", citizen=citizen,
               detail=f"grant={grant.id} version=1 lines={len(data.lines)} decided_by={data.decided_by}")
        return 201, _grant_out(grant)
    return idempotent(work)


@bp.get("/grants/<int:grant_id>")
@authorised("grants:write", "consumption:read")
@operation(tag=TAG, operation_id="getGrant", summary="A grant of a citizen of your municipality", security=BEARER,
           responses={"200": Reply("The grant with its lines in force.", GrantOut), **AUTH_REPLIES,
                      "404": problem_reply("No such grant for a citizen of your municipality (`grant_not_found`).")})
def grant_read(grant_id: int):
    grant = _grant(grant_id)
    record(_system(), "read", "Grant read (municipal system)", citizen=grant.citizen, detail=f"grant={grant.id}")
    return jsonify(_grant_out(grant))


@bp.put("/grants/<int:grant_id>")
@authorised("grants:write")
@operation(
    tag=TAG, operation_id="changeGrant", summary="Change a grant: a new version with who and why",
    description="The lines given replace the lines in force (the old ones are kept in the history). An ended grant "
                "cannot be changed; one whose ending has not yet taken effect needs the ending withdrawn first, in "
                "the portal.",
    security=BEARER, headers=[IDEMPOTENCY_HEADER], body=GrantChangeIn,
    responses={"200": Reply("The new version.", GrantOut), **BODY_REPLIES, **AUTH_REPLIES,
               "404": problem_reply("No such grant for a citizen of your municipality (`grant_not_found`).")},
)
def grant_change(grant_id: int):
    return _grant_update(grant_id, GrantChangeIn, lambda grant, data: change_grant(_system(), grant, **_terms(data)),
                         purpose="Grant changed (municipal system)")


@bp.post("/grants/<int:grant_id>/end")
@authorised("grants:write")
@operation(
    tag=TAG, operation_id="endGrant", summary="End a grant on a given last day",
    description="The grant stays in force through `end_date`; a later end than a fixed term it has keeps the term.",
    security=BEARER, headers=[IDEMPOTENCY_HEADER], body=GrantEnd,
    responses={"200": Reply("The ended grant.", GrantOut), **BODY_REPLIES, **AUTH_REPLIES,
               "404": problem_reply("No such grant for a citizen of your municipality (`grant_not_found`).")},
)
def grant_end(grant_id: int):
    return _grant_update(grant_id, GrantEnd, lambda grant, data: end_grant(
        _system(), grant, end_date=data.end_date, reason=data.reason, decided_by=data.decided_by),
        purpose="Grant ended (municipal system)")


def _grant_update(grant_id: int, body: type[ApiModel], update, *, purpose: str):
    """One way an existing grant is changed by the API: the body parsed, `update(grant, data)` (a rule's refusal is
    the problem reply), audited with who decided, the new version answered; replayed by its idempotency key."""
    def work():
        grant = _grant(grant_id)
        data = parse_body(body)
        try:
            update(grant, data)
        except GrantError as exc:
            raise _refused(exc) from None
        record(_system(), "change", purpose, citizen=grant.citizen,
               detail=f"grant={grant.id} version={grant.version} decided_by={data.decided_by}")
        return 200, _grant_out(grant)
    return idempotent(work)


@bp.post("/consumption")
@authorised("consumption:read")
@operation(
    tag=TAG, operation_id="readConsumption", summary="A citizen's consumption per grant line this period",
    description="Posted, not a GET: the CPR number belongs in a body, never in a URL (URLs end up in logs). Counted "
                "as every screen of the platform counts it: orders from submission until rejected or cancelled, "
                "free replacements never; each line in its own period (month, quarter, year) containing today.",
    security=BEARER, body=CitizenRef, body_example={"cpr": "150348-1234"},
    responses={"200": Reply("The lines in force with what is used and left.", ConsumptionOut),
               **{k: v for k, v in BODY_REPLIES.items() if k != "422"},
               "422": problem_reply("The CPR number is no CPR number (`invalid_body`)."), **AUTH_REPLIES,
               "404": problem_reply("No citizen with this CPR number lives in your municipality (`citizen_not_found`).")},
)
def consumption_read():
    data = parse_body(CitizenRef)
    citizen = _citizen(data.cpr)
    today = local_today()
    lines = [LineUseOut(
        grant_id=u.line.grant_id, line_id=u.line.id,
        article_number=u.line.variant.article_number if u.line.variant else None,
        category_code=u.line.category.code if u.line.category else None, period=u.line.period.value,
        period_first=u.period_start, period_last=u.period_last, granted_quantity=u.line.quantity,
        used_quantity=u.used_quantity, remaining_quantity=u.remaining_quantity,
        price_ceiling_oere=u.line.price_ceiling_oere, used_oere=u.used_oere, remaining_oere=u.remaining_oere)
        for u in consumption(citizen.id, today)]
    record(_system(), "read", "Consumption read (municipal system)", citizen=citizen)
    return jsonify(ConsumptionOut(citizen_id=citizen.id, on=today, lines=lines).model_dump(mode="json"))


class FeedQuery(ApiModel):
    cursor: str | None = Field(default=None, max_length=100,
                               description="From the last answer's `next_cursor`; none for the first page.")
    limit: int = Field(default=100, ge=1, le=FEED_LIMIT_MAX)


def _cursor_value(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4)).decode("ascii")
        kind, _sep, value = raw.partition(":")
        number = int(value)
        if kind != "ev1" or not (0 <= number <= 2**63 - 1):
            raise ValueError
        return number
    except (ValueError, UnicodeError, binascii.Error):
        raise ApiProblem(422, "invalid_query", "a query parameter is invalid",
                         errors=[{"field": "cursor", "message": "not a cursor this API gave"}]) from None


def _cursor(after: int) -> str:
    return base64.urlsafe_b64encode(f"ev1:{after}".encode()).decode().rstrip("=")


@bp.get("/orders/changes")
@authorised("orders:read")
@operation(
    tag=TAG, operation_id="orderChanges", summary="Orders' status changes since a cursor (for the case record)",
    description="Every status change of an order of a citizen of your municipality, in the order they happened, "
                "after the cursor; at most `limit`. Keep `next_cursor` and pass it next time: nothing is skipped or "
                "repeated. An empty page keeps the cursor where it was.",
    security=BEARER, query=FeedQuery,
    responses={"200": Reply("A page of changes.", OrderChangesOut), **AUTH_REPLIES,
               "422": problem_reply("A query parameter is invalid (`invalid_query`).")},
)
def order_changes():
    query = parse_query(FeedQuery)
    after = _cursor_value(query.cursor)
    rows = db.session.execute(
        select(OrderEvent, Order).join(Order, Order.id == OrderEvent.order_id)
        .join(Citizen, Citizen.id == Order.citizen_id)
        # Drafts are the citizen's own until sent: the municipality sees an order from its submission on.
        .where(Citizen.municipality_id == _municipality_id(), OrderEvent.id > after,
               OrderEvent.to_status != OrderStatus.DRAFT)
        .order_by(OrderEvent.id).limit(query.limit)).all()
    changes = [OrderChange(order_number=order.number, citizen_id=order.citizen_id,
                           from_status=event.from_status.value if event.from_status else None,
                           to_status=event.to_status.value, at=event.at) for event, order in rows]
    citizen_ids = sorted({order.citizen_id for _e, order in rows})
    for citizen in db.session.scalars(select(Citizen).where(Citizen.id.in_(citizen_ids)).order_by(Citizen.id)):
        record(_system(), "read", "Order statuses read (municipal system)", citizen=citizen)
    next_after = rows[-1][0].id if rows else after
    return jsonify(OrderChangesOut(changes=changes, next_cursor=_cursor(next_after)).model_dump(mode="json"))


def _order_out(order: Order) -> OrderOut:
    return OrderOut(order_number=order.number, citizen_id=order.citizen_id, status=order.status.value,
                    submitted_at=order.submitted_at, delivered_at=order.delivered_at, total_oere=order.total_oere,
                    lines=[OrderLineOut(article_number=l.article_number, quantity=l.quantity,
                                        unit_price_oere=l.unit_price_oere, routing=l.routing) for l in order.lines])


@bp.get("/orders/awaiting")
@authorised("orders:read")
@operation(
    tag=TAG, operation_id="ordersAwaiting", summary="Orders beyond the grant that await the municipality (poll it)",
    description="The same list as the grant officer's page of orders awaiting approval. Poll it (e.g. every few "
                "minutes); an order leaves the list when it is decided, or accepted after a grant change.",
    security=BEARER,
    responses={"200": Reply("The waiting orders, oldest first.", AwaitingOut), **AUTH_REPLIES},
)
def orders_awaiting():
    orders = awaiting_approval(_municipality_id())
    for order in orders:
        record(_system(), "read", "Orders awaiting approval read (municipal system)", citizen=order.citizen,
               detail=f"order={order.number}")
    return jsonify(AwaitingOut(orders=[_order_out(o) for o in orders]).model_dump(mode="json"))


class InvoiceQuery(ApiModel):
    month: str | None = Field(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
                              description="`YYYY-MM`: only that month's invoices and credit notes; none for all.")


DOCUMENT_KINDS = ("pdf", "xml", "csv")


def _own_invoices():
    return select(Invoice).where(Invoice.municipality_id == _municipality_id())


@bp.get("/invoices")
@authorised("invoices:read")
@operation(tag=TAG, operation_id="listInvoices", summary="Your municipality's invoices and credit notes",
           security=BEARER, query=InvoiceQuery,
           responses={"200": Reply("Newest first.", InvoicesOut), **AUTH_REPLIES,
                      "422": problem_reply("A query parameter is invalid (`invalid_query`).")})
def invoices():
    query = parse_query(InvoiceQuery)
    statement = _own_invoices()
    if query.month:
        try:
            month = parse_month(query.month)
        except InvoicingError as exc:
            raise ApiProblem(422, "invalid_query", "a query parameter is invalid",
                             errors=[{"field": "month", "message": str(exc)}]) from None
        statement = statement.where(Invoice.period_start == month)
    rows = list(db.session.scalars(statement.order_by(Invoice.period_start.desc(), Invoice.number.desc())))
    kinds = {}
    if rows:
        for invoice_id, kind in db.session.execute(select(InvoiceDocument.invoice_id, InvoiceDocument.kind)
                                                   .where(InvoiceDocument.invoice_id.in_([r.id for r in rows]))):
            kinds.setdefault(invoice_id, []).append(kind)
    out = [InvoiceOut(id=i.id, number=i.number, kind=i.kind.value, period_start=i.period_start, period_end=i.period_end,
                      issue_date=i.issue_date, due_date=i.due_date, net_oere=i.net_oere, vat_oere=i.vat_oere,
                      total_oere=i.total_oere,
                      documents={k: f"/api/v1/invoices/{i.id}/{k}" for k in DOCUMENT_KINDS if k in kinds.get(i.id, [])})
           for i in rows]
    return jsonify(InvoicesOut(invoices=out).model_dump(mode="json"))


@bp.get("/invoices/<int:invoice_id>/<kind>")
@authorised("invoices:read")
@operation(
    tag=TAG, operation_id="invoiceDocument", summary="An invoice's document: PDF, Peppol BIS 3 XML or the CSV specification",
    description="The CSV specification names citizens: reading it is audited as a read of citizens' data.",
    security=BEARER, path_schemas={"kind": {"type": "string", "enum": list(DOCUMENT_KINDS)}},
    responses={"200": Reply("The document.", media_type=tuple(MEDIA_TYPES.values())), **AUTH_REPLIES,
               "404": problem_reply("No such invoice of your municipality, or no such document (`not_found`).")},
)
def invoice_document(invoice_id: int, kind: str):
    if kind not in DOCUMENT_KINDS or invoice_id > MAX_ID:
        raise ApiProblem(404, "not_found", "no such invoice document for your municipality")
    invoice = db.session.scalar(_own_invoices().where(Invoice.id == invoice_id))
    document = invoice and db.session.scalar(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id,
                                                                          InvoiceDocument.kind == kind))
    if document is None:
        raise ApiProblem(404, "not_found", "no such invoice document for your municipality")
    if kind == "csv":  # the specification names citizens: a read of citizens' data
        record(_system(), "invoice_specification_download", "invoicing", detail=document.filename)
    return Response(document.content, mimetype=document.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{document.filename}"'})


REPORT_KINDS = ("pdf", "csv")


@bp.get("/statistics/reports")
@authorised("consumption:read", "invoices:read")
@operation(tag=TAG, operation_id="listStatisticsReports", summary="The monthly statistics reports sent to your municipality",
           description="Made by the FSC's monthly run (`stomi stats-report`), newest first; the same as in the portal.",
           security=BEARER, responses={"200": Reply("Newest first.", StatisticsReportsOut), **AUTH_REPLIES})
def statistics_reports():
    reports = reports_of(_municipality_id())
    out = [StatisticsReportOut(id=r.id, month=f"{r.month:%Y-%m}", created_at=r.created_at,
                               documents={k: f"/api/v1/statistics/reports/{r.id}/{k}" for k in REPORT_KINDS})
           for r in reports]
    return jsonify(StatisticsReportsOut(reports=out).model_dump(mode="json"))


@bp.get("/statistics/reports/<int:report_id>/<kind>")
@authorised("consumption:read", "invoices:read")
@operation(tag=TAG, operation_id="statisticsReportDocument", summary="A statistics report as PDF or CSV",
           security=BEARER, path_schemas={"kind": {"type": "string", "enum": list(REPORT_KINDS)}},
           responses={"200": Reply("The document.", media_type=("application/pdf", "text/csv")), **AUTH_REPLIES,
                      "404": problem_reply("No such report of your municipality (`not_found`).")})
def statistics_report_document(report_id: int, kind: str):
    report = report_of(_municipality_id(), report_id) if kind in REPORT_KINDS and report_id <= MAX_ID else None
    if report is None:
        raise ApiProblem(404, "not_found", "no such statistics report for your municipality")
    content, media = (report.pdf, "application/pdf") if kind == "pdf" else (report.csv, CSV_MEDIA_TYPE)
    return Response(content, mimetype=media,
                    headers={"Content-Disposition": f'attachment; filename="{report.filename(kind)}"'})
