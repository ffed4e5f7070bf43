"""Prometheus metrics at /metrics: requests per endpoint (rate, latency), orders by outcome, the background-job queue,
and what the domain packages register (the outbox's backlog and age, notices waiting). Per process; under gunicorn
set PROMETHEUS_MULTIPROC_DIR (an empty folder) so every worker's counts are summed."""
from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from stomi_app.extensions import csrf, db

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("stomi_http_requests", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("stomi_http_request_seconds", "Time to answer a request", ["endpoint"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
# Counted when the order is routed, in the request that sends it (a request that then fails to commit counts too: rare).
ORDERS = Counter("stomi_orders_sent", "Orders sent, by how they were routed", ["outcome"])


# Collectors read at scrape time that the domain packages register from their init_app (the platform does not know
# their tables): each a class with `collect()`, as prometheus-client's custom collectors.
SCRAPE_COLLECTORS: list[type] = []


def register_collector(collector: type) -> None:
    if collector not in SCRAPE_COLLECTORS:
        SCRAPE_COLLECTORS.append(collector)


class JobQueueCollector:
    """The background-job queue (RQ on Redis), read at scrape time: jobs waiting, running, scheduled, failed and
    finished (those RQ still keeps: finished results for their TTL, failed ones for a year), the workers listening,
    and whether Redis answered at all (a scrape never fails on a dead Redis: the queue reads as down)."""

    HELP = {"queued": "Jobs waiting in the queue for a worker", "started": "Jobs a worker is running now",
            "scheduled": "Jobs scheduled for later (the nightly run)", "failed": "Failed jobs kept for inspection and retry",
            "finished": "Finished jobs whose result is still kept", "workers": "Workers listening on the queue"}

    def collect(self):
        from stomi_app import jobs

        up = GaugeMetricFamily("stomi_jobs_queue_up", "1 when the job queue's Redis answered this scrape, else 0")
        try:
            counts = jobs.queue_counts()
        except jobs.QueueUnavailable:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, help_text in self.HELP.items():
            gauge = GaugeMetricFamily(f"stomi_jobs_{name}", help_text, labels=["queue"])
            gauge.add_metric([current_app.config["JOBS_QUEUE"]], counts[name])
            yield gauge


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return registry


@bp.route("/metrics")
@csrf.exempt
def metrics():
    """For the monitoring system: with STOMI_METRICS_TOKEN as a bearer token, or from this machine only."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given, token):
            return Response("forbidden\n", status=403, mimetype="text/plain")
    elif request.remote_addr not in ("127.0.0.1", "::1"):
        return Response("forbidden\n", status=403, mimetype="text/plain")
    registry = CollectorRegistry()
    registry.register(JobQueueCollector())
    for collector in SCRAPE_COLLECTORS:
        registry.register(collector())
    body = generate_latest(_registry()) + generate_latest(registry)
    db.session.rollback()
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        endpoint = request.endpoint or "unmatched"  # the route's name, never the path (it may hold an id)
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        return response
