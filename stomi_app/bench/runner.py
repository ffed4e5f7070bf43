"""Runs the benchmark suite against a fresh database and writes the JSON result and a readable table."""
from __future__ import annotations

import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from stomi_app import cpr
from stomi_app.bench import http
from stomi_app.bench.history import multiply_history
from stomi_app.extensions import db
from stomi_app.testing import IsolatedClient
from stomi_app.models import Citizen, Order

REPEATS = 3
HTTP_REPEATS = 9  # the HTTP measures are the noisiest: more turns, still seconds each
PAGE_REPEATS = 9  # a round of 20 pages takes half a second: one burst on a shared machine would move a median of 3


def _timed(fn, repeats: int = REPEATS) -> dict:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2), "max_ms": round(max(times), 2)}


# Orders placed over HTTP in one bench: a warm-up of each kind and HTTP_REPEATS runs of 20 clients × 25 orders.
HTTP_ORDERS = 2 * 20 * 5 + HTTP_REPEATS * 20 * 25


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
    from stomi_app.grants import consumption_for

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

    result = _timed(once, repeats=PAGE_REPEATS)
    return {k: round(v / len(clients), 2) for k, v in result.items()}


def run(*, scale: str, database_url: str | None, out: str | None, echo=print) -> dict:
    from flask_migrate import upgrade

    from stomi_app import create_app
    from stomi_app.demo import generate

    tmp = tempfile.mkdtemp(prefix="stomi-bench-")
    database_url = database_url or f"sqlite:///{tmp}/bench.sqlite"
    env = {"STOMI_DATABASE_URL": database_url, "STOMI_INSTANCE_PATH": os.environ.get("STOMI_INSTANCE_PATH", tmp)}
    os.environ.update(env)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "BENCH_ROUTES": True})
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
        echo(f"data ready: {result['orders_1x']} orders in {result['setup_seconds']} s")

        # 1. Placing an order over HTTP against the bare INSERT+COMMIT ceiling, same server, same database.
        with http.gunicorn(env) as base:
            next_citizen = itertools.count()  # shared by the client threads; next() on it is atomic

            def an_order(i, n):
                citizen_id, _, lines = citizens[next(next_citizen) % len(citizens)]
                return {"citizen_id": citizen_id, "lines": lines}

            http.load(f"{base}/bench/ceiling", lambda i, n: {}, clients=20, per_client=5)  # warm-up
            http.load(f"{base}/bench/order", an_order, clients=20, per_client=5)
            ceiling, orders = [], []
            for _ in range(HTTP_REPEATS):  # in turns, so both see the same moments of a shared, noisy machine
                ceiling.append(http.load(f"{base}/bench/ceiling", lambda i, n: {}))
                orders.append(http.load(f"{base}/bench/order", an_order))
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
    if "dashboard" in extras_1x:
        result["dashboard_history_ratio"] = round(extras_10x["dashboard"]["median_ms"] / extras_1x["dashboard"]["median_ms"], 3)
    else:
        result["dashboard_history_ratio"] = None
    echo(f"citizen page: {result['citizen_page_history_ratio']} at 10x history")

    # 3. and 4. The invoice run against reportlab's raw page rate, and peak memory, when invoicing exists.
    result.update(_optional_invoice_measures(app, tmp))


def _optional_history_measures(app: Flask) -> dict:
    """Measures of areas that register a bench hook: `stomi_app.bench.hooks.HISTORY_MEASURES`."""
    from stomi_app.bench import hooks

    return {name: fn(app) for name, fn in hooks.HISTORY_MEASURES.items()}


def _optional_invoice_measures(app: Flask, tmp: str) -> dict:
    from stomi_app.bench import hooks

    measures = {}
    for fn in hooks.RUN_MEASURES:
        measures.update(fn(app, tmp))
    measures.setdefault("invoice_vs_reportlab_ratio", None)
    return measures


def _write(result: dict, out: str | None, echo) -> None:
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
    rows = [
        ("order over HTTP / INSERT ceiling", result.get("order_http_ratio"), "≥ 0.5"),
        ("citizen page 10x / 1x history", result.get("citizen_page_history_ratio"), "≤ 1.3"),
        ("dashboard 10x / 1x history", result.get("dashboard_history_ratio"), "≤ 1.3"),
        ("invoice run / reportlab raw rate", result.get("invoice_vs_reportlab_ratio"), "≥ 0.5"),
    ]
    echo("")
    echo(f"{'measure':<36} {'ratio':>8}  goal")
    for name, value, goal in rows:
        echo(f"{name:<36} {('n/a' if value is None else value):>8}  {goal}")
