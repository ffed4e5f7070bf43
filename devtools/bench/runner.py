"""Runs the benchmark suite against a fresh database and writes the JSON result and a readable table."""
from __future__ import annotations

import json
import os
import platform
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from devtools.bench import http
from devtools.bench import fulfilment_measures, invoicing_measures, statistics_measures
from devtools.bench.history import multiply_history
from devtools.bench.timing import PAGE_REPEATS, timed
from stomi_app import cpr
from ordering import services as ordering
from stomi_app.extensions import db
from stomi_app.testing import IsolatedClient
from stomi_app.models.citizen import Citizen
from ordering.models import Order

HTTP_REPEATS = 9  # the HTTP measures are the noisiest: more turns, still seconds each
HTTP_CLIENTS, HTTP_PER_CLIENT, WARM_UP_PER_CLIENT = 20, 5, 3  # each send needs a citizen signed in beforehand (~50 ms each)
# Orders sent over HTTP in one bench: a warm-up and HTTP_REPEATS turns, each by another citizen.
HTTP_ORDERS = HTTP_CLIENTS * (WARM_UP_PER_CLIENT + HTTP_REPEATS * HTTP_PER_CLIENT)

# Measured at 1x and at 10x history: name → fn(app) -> {"median_ms": …} or other figures.
HISTORY_MEASURES = {"dashboard": statistics_measures.measure_dashboard,
                    "stats_report_memory": statistics_measures.measure_report_memory,
                    "invoice_memory": invoicing_measures.measure_invoice_memory,
                    "warehouse_page": fulfilment_measures.measure_warehouse_page,
                    "delivery_sla_page": fulfilment_measures.measure_delivery_sla_page}
# Run once after the history measures: fn(app, tmpdir) -> dict of figures.
RUN_MEASURES = [invoicing_measures.measure_invoice_run, statistics_measures.measure_report_run]


def _settle() -> None:
    """After a bulk load, write PostgreSQL's dirty pages out before measuring: otherwise the checkpoint that follows
    gigabytes of new rows runs during the measures that come next (seconds-long stalls in the 10× figures)."""
    if db.engine.dialect.name != "postgresql":
        return
    try:
        db.session.execute(text("CHECKPOINT"))
    except ProgrammingError:  # needs superuser or pg_checkpoint: then the measures meet the checkpoint as it comes
        pass
    db.session.rollback()


def _bench_citizens(limit: int = 40) -> list[tuple[int, str, dict]]:
    """Citizens with a grant line, the CPR to log in with, and one within-grant order each."""
    from grants.services import consumption_for

    ids = list(db.session.scalars(select(Citizen.id).order_by(Citizen.id).limit(limit * 3)))
    usage = consumption_for(ids, date.today())
    chosen = []
    for citizen in db.session.scalars(select(Citizen).where(Citizen.id.in_(list(usage))).order_by(Citizen.id)):
        for use in usage[citizen.id]:
            if use.line.variant_id and not use.line.variant.is_cut_to_fit:
                chosen.append((citizen.id, cpr.decrypt(citizen.cpr_encrypted), {str(use.line.variant_id): 1}))
                break
        if len(chosen) >= limit:
            break
    return chosen


@dataclass
class PreparedSend:
    """A citizen signed in with a draft on the check page, as the browser holds it: cookie, CSRF token, order key."""

    cookie: str
    csrf_token: str
    idempotency_key: str


_HIDDEN = re.compile(r'name="(csrf_token|idempotency_key)"[^>]*value="([^"]+)"')


def _prepare_sends(app: Flask, citizens) -> list[PreparedSend]:
    """Each citizen's draft (one within-grant product) made by the ordering service, then signed in and the check page
    fetched in-process, keeping what the browser would send: the session cookie and the form's hidden fields."""
    for citizen_id, _, lines in citizens:
        draft = ordering.open_draft(db.session.get(Citizen, citizen_id))
        ordering.set_draft_lines(draft, {int(k): v for k, v in lines.items()})
    db.session.commit()
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    prepared = []
    for _, digits, _ in citizens:
        client = app.test_client()
        assert client.post("/login/borger", data={"cpr": digits}).status_code == 302
        page = client.get("/borger/bestil/tjek")
        assert page.status_code == 200, page.status_code
        fields = dict(_HIDDEN.findall(page.get_data(as_text=True)))
        prepared.append(PreparedSend(client.get_cookie(cookie_name).value, fields["csrf_token"], fields["idempotency_key"]))
    return prepared


def _send_draft(base: str, prepared: list[PreparedSend], cookie_name: str, timeout: float = 30.0):
    """A request for `http.load`: the next citizen presses "Send" on the check page and the confirmation page is shown
    (POST /borger/bestil/send, then the redirect to the order's page), exactly as in a browser."""
    lock, cursor = threading.Lock(), iter(prepared)

    def send(session, index, n) -> bool:
        with lock:
            one = next(cursor)
        session.cookies.clear()
        session.cookies.set(cookie_name, one.cookie, domain="127.0.0.1", path="/")
        answer = session.post(f"{base}/borger/bestil/send", timeout=timeout,
                              data={"csrf_token": one.csrf_token, "idempotency_key": one.idempotency_key})
        return answer.status_code == 200 and bool(answer.history) and "/borger/ordrer/" in answer.url

    return send


def _page_time(app: Flask, citizens, path: str = "/borger/", login=True) -> dict:
    """Median time of a GET per citizen, in-process (no network), each citizen logged in with their CPR."""
    clients = []
    for _, digits, _ in citizens:
        client = app.test_client()
        client.post("/login/borger", data={"cpr": digits})
        clients.append(client)
    for client in clients:  # warm caches and the connection pool once
        client.get(path)

    def once():
        for client in clients:
            assert client.get(path).status_code == 200

    result = timed(once, repeats=PAGE_REPEATS)
    return {k: round(v / len(clients), 2) for k, v in result.items()}


def run(*, scale: str, database_url: str | None, out: str | None, echo=print) -> dict:
    from flask_migrate import upgrade

    from stomi_app import create_app
    from devtools.demo import generate

    tmp = tempfile.mkdtemp(prefix="stomi-bench-")
    database_url = database_url or f"sqlite:///{tmp}/bench.sqlite"
    env = {"STOMI_DATABASE_URL": database_url, "STOMI_INSTANCE_PATH": os.environ.get("STOMI_INSTANCE_PATH", tmp)}
    os.environ.update(env)
    # The same app and secret key as the server's: the sessions and CSRF tokens prepared in-process are valid there.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    app.test_client_class = IsolatedClient
    result: dict = {"scale": scale, "engine": database_url.split(":", 1)[0], "date": date.today().isoformat(),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        generate(scale=scale, seed=1, reset=True, echo=lambda *_: None)
        _settle()
        result["setup_seconds"] = round(time.perf_counter() - t0, 1)
        result["orders_1x"] = db.session.scalar(select(func.count(Order.id)))
        # One order per citizen, as real load is (100,000 citizens ordering about monthly): cycling a few dozen
        # citizens would give each of them hundreds of orders in this year's grant period within minutes.
        citizens = _bench_citizens(limit=HTTP_ORDERS)
        if len(citizens) < HTTP_ORDERS:
            raise RuntimeError(f"the {scale} demo data has {len(citizens)} citizens to order, the bench needs {HTTP_ORDERS}")
        echo(f"data ready: {result['orders_1x']} orders in {result['setup_seconds']} s")
        t0 = time.perf_counter()
        prepared = _prepare_sends(app, citizens)
        result["prepare_sends_seconds"] = round(time.perf_counter() - t0, 1)

        # 1. Sending an order through the citizen's pages against the bare INSERT+COMMIT ceiling, same server and database.
        with http.gunicorn(env) as base:
            send = _send_draft(base, prepared, app.config["SESSION_COOKIE_NAME"])
            to_ceiling = http.post_json(f"{base}/bench/ceiling")
            http.load(to_ceiling, clients=HTTP_CLIENTS, per_client=WARM_UP_PER_CLIENT)  # warm-up
            http.load(send, clients=HTTP_CLIENTS, per_client=WARM_UP_PER_CLIENT)
            ceiling, orders = [], []
            for _ in range(HTTP_REPEATS):  # in turns, so both see the same moments of a shared, noisy machine
                ceiling.append(http.load(to_ceiling, clients=HTTP_CLIENTS, per_client=HTTP_PER_CLIENT))
                orders.append(http.load(send, clients=HTTP_CLIENTS, per_client=HTTP_PER_CLIENT))
        result["order_http"] = http.median_of(orders)
        result["ceiling_http"] = http.median_of(ceiling)
        result["order_http_ratio"] = round(result["order_http"]["per_second_median"] / result["ceiling_http"]["per_second_median"], 3)
        result["order_http_ratio_by_turn"] = [round(o.rate / c.rate, 3) for o, c in zip(orders, ceiling)]
        echo(f"order over HTTP: {result['order_http_ratio']} of the ceiling")

        try:
            _history_and_runs(app, citizens, result, tmp, echo)
        except Exception as exc:  # a failing measure must not lose the figures already taken
            result.setdefault("errors", []).append(repr(exc))
            echo(f"measure failed: {exc!r}")
    _write(result, out, echo)
    return result


def _history_and_runs(app: Flask, citizens, result: dict, tmp: str, echo) -> None:
    """Pages at 1x and 10x history, then the once-only runs (invoice, report)."""
    # 2. Pages at 1x and 10x history (same citizens, ten times the orders).
    # Counted again here: the HTTP measure above placed orders of its own.
    result["orders_1x"] = db.session.scalar(select(func.count(Order.id)))
    page_1x = _page_time(app, citizens[:20])
    extras_1x = _optional_history_measures(app)
    t0 = time.perf_counter()
    added = multiply_history(10)
    _settle()
    result["history_multiply_seconds"] = round(time.perf_counter() - t0, 1)
    result["orders_10x"] = result["orders_1x"] + added
    page_10x = _page_time(app, citizens[:20])
    extras_10x = _optional_history_measures(app)
    result["citizen_page_1x"], result["citizen_page_10x"] = page_1x, page_10x
    result["citizen_page_history_ratio"] = round(page_10x["median_ms"] / page_1x["median_ms"], 3)
    for key, value in extras_1x.items():
        result[f"{key}_1x"], result[f"{key}_10x"] = value, extras_10x[key]
    for key in ("warehouse_page", "delivery_sla_page"):
        if key in extras_1x:
            result[f"{key}_history_ratio"] = round(extras_10x[key]["median_ms"] / extras_1x[key]["median_ms"], 3)
    if "dashboard" in extras_1x:
        result["dashboard_history_ratio"] = round(extras_10x["dashboard"]["median_ms"] / extras_1x["dashboard"]["median_ms"], 3)
    else:
        result["dashboard_history_ratio"] = None
    echo(f"citizen page: {result['citizen_page_history_ratio']} at 10x history")

    # 3. and 4. The invoice run against reportlab's raw page rate, and peak memory, when invoicing exists.
    result.update(_optional_invoice_measures(app, tmp))


def _optional_history_measures(app: Flask) -> dict:
    return {name: fn(app) for name, fn in HISTORY_MEASURES.items()}


def _optional_invoice_measures(app: Flask, tmp: str) -> dict:
    measures = {}
    for fn in RUN_MEASURES:
        measures.update(fn(app, tmp))
    measures.setdefault("invoice_vs_reportlab_ratio", None)
    return measures


def _write(result: dict, out: str | None, echo) -> None:
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
    rows = [
        ("order sent through the pages / ceiling", result.get("order_http_ratio"), "≥ 0.5"),
        ("citizen page 10x / 1x history", result.get("citizen_page_history_ratio"), "≤ 1.3"),
        ("dashboard 10x / 1x history", result.get("dashboard_history_ratio"), "≤ 1.3"),
        ("warehouse page 10x / 1x history", result.get("warehouse_page_history_ratio"), "≤ 1.3"),
        ("delivery SLA page 10x / 1x history", result.get("delivery_sla_page_history_ratio"), "≤ 1.3"),
        ("invoice run / reportlab raw rate", result.get("invoice_vs_reportlab_ratio"), "≥ 0.5"),
    ]
    echo("")
    echo(f"{'measure':<36} {'ratio':>8}  goal")
    for name, value, goal in rows:
        echo(f"{name:<36} {('n/a' if value is None else value):>8}  {goal}")
