"""HTTP load against a gunicorn server on 127.0.0.1: throughput and latency percentiles, bounded in time."""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests


CHECKOUT = Path(__file__).resolve().parents[2]  # devtools/ is imported from the checkout, not installed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int = 2):
    """Run the app under gunicorn (as in production) with the bench's ceiling route, and stop it afterwards."""
    port = free_port()
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn_bin), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--chdir", str(CHECKOUT), "devtools.bench.wsgi:app"],
        # Warnings only: an access line per request would fill the unread stderr pipe and stall the workers.
        env={**os.environ, **env, "STOMI_RATELIMIT_ENABLED": "0", "STOMI_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict:
        return {"requests": self.requests, "errors": self.errors, "seconds": round(self.seconds, 3),
                "per_second": round(self.rate, 1), "p50_ms": round(self.percentile(50), 1),
                "p95_ms": round(self.percentile(95), 1), "p99_ms": round(self.percentile(99), 1)}


def post_json(url: str, timeout: float = 30.0):
    """A request for `load`: POST an empty JSON body to `url` (the ceiling)."""
    return lambda session, index, n: session.post(url, json={}, timeout=timeout).status_code < 500


def load(request, *, clients: int = 20, per_client: int = 25, timeout: float = 30.0) -> LoadResult:
    """`clients` threads, each with its own keep-alive session, make `per_client` requests each:
    `request(session, client_index, n)` sends one (it may be several HTTP requests) and says whether it went well."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)

    def client(index: int):
        nonlocal errors
        session = requests.Session()
        mine, bad = [], 0
        start_gate.wait()
        for n in range(per_client):
            t0 = time.perf_counter()
            try:
                ok = request(session, index, n)
            except requests.RequestException:
                ok = False
            mine.append((time.perf_counter() - t0) * 1000)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(timeout=timeout * per_client)
    return LoadResult(clients * per_client, errors, time.perf_counter() - t0, latencies)


def median_of(results: list[LoadResult]) -> dict:
    rates = [r.rate for r in results]
    best = sorted(results, key=lambda r: r.rate)[len(results) // 2]
    return {"per_second_median": round(statistics.median(rates), 1), "per_second_min": round(min(rates), 1),
            "per_second_max": round(max(rates), 1), "runs": [r.summary() for r in results], "median_run": best.summary()}
