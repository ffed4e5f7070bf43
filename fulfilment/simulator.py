"""A logistics-provider simulator for the demo and the tests: takes instructions, fails on request, posts events back.

It speaks the provider's side of the OpenAPI document: `POST /instructions` (one order per Idempotency-Key),
and for each new instruction it posts signed events to the platform after a delay per step:
picked → cut (only when something is to be cut) → packed → shipped (tracking reference) → delivered.

Admin endpoints (no auth: bind it to 127.0.0.1 only):
- `POST /admin/mode` `{"mode": "ok|down|error|slow", "count": N, "slow_seconds": S}`: fail the next N
  instruction requests (or all, without count). `down` drops the connection unanswered, `error` answers 500,
  `slow` stores the instruction and answers only after S seconds (the client's timeout fires first).
- `GET /admin/stats`: `{"instructions": unique keys, "requests": POSTs seen, "duplicates": repeated keys, ...}`.
- `GET /instructions`: what was received, with how often each key arrived.
- `POST /admin/reset`: forget everything.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import random
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from fulfilment.signing import SIGNATURE_HEADER, sign, verify

log = logging.getLogger("stomi.logistics_simulator")
MODES = ("ok", "down", "error", "slow")
MAX_EVENT_TRIES = 8  # per event; then the simulator gives up on that order (and logs it)
MAX_BODY = 1024 * 1024


class EventPlayer:
    """Posts each instruction's events in order, one step per delay, on one background thread."""

    def __init__(self, events_url: str, secret: str, step_delay: float, carrier: str = "PostNord"):
        self.events_url, self.secret, self.step_delay, self.carrier = events_url, secret, step_delay, carrier
        self._queue: list = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._http = requests.Session()
        self.posted = Counter()  # event type → events the platform accepted
        self.gave_up = 0
        self._thread = threading.Thread(target=self._run, name="simulator-events", daemon=True)
        self._thread.start()

    def start_instruction(self, instruction: dict) -> None:
        has_cutting = any(line.get("cutting") for line in instruction.get("lines", []))
        steps = ["picked"] + (["cut"] if has_cutting else []) + ["packed", "shipped", "delivered"]
        tracking = f"SIM{random.randrange(10**11, 10**12)}"
        self._schedule(self.step_delay, {"order_number": instruction.get("order_number"), "steps": steps,
                                         "tracking": tracking, "tries": 0})

    def _schedule(self, delay: float, job: dict) -> None:
        with self._wake:
            heapq.heappush(self._queue, (time.monotonic() + delay, next(self._seq), job))
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=5)
        self._http.close()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else 1.0
                    self._wake.wait(timeout=max(min(timeout, 1.0), 0.001))
                if self._stopped:
                    return
                _due, _seq, job = heapq.heappop(self._queue)
            self._post_step(job)

    def _post_step(self, job: dict) -> None:
        kind = job["steps"][0]
        event = {"event_id": job.setdefault("event_id", str(uuid.uuid4())), "type": kind,
                 "order_number": job["order_number"],
                 "occurred_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")}
        if kind == "shipped":
            event.update(tracking_reference=job["tracking"], carrier=self.carrier)
        body = json.dumps(event).encode()
        try:
            response = self._http.post(self.events_url, data=body, timeout=(3, 10), headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)})
            status = response.status_code
        except requests.RequestException as exc:
            status, response = None, exc
        if status == 200:
            self.posted[kind] += 1
            rest = job["steps"][1:]
            if rest:
                self._schedule(self.step_delay, {**job, "steps": rest, "tries": 0, "event_id": str(uuid.uuid4())})
            return
        job["tries"] += 1
        if job["tries"] >= MAX_EVENT_TRIES or status in (400, 401, 404, 422):
            self.gave_up += 1
            log.warning("gave up on %s for order %s: %s", kind, job["order_number"], status or response)
            return
        # 409 (the platform has not seen the step before), 5xx or no answer: same event id, a little later.
        self._schedule(self.step_delay * job["tries"], job)


class SimulatorState:
    def __init__(self, secret: str | None, mode: str = "ok", fail_count: int | None = None, slow_seconds: float = 5.0):
        self.lock = threading.Lock()
        self.secret = secret
        self.instructions: dict[str, dict] = {}
        self.receipts: Counter = Counter()
        self.requests = 0
        self.refused = 0
        self.set_mode(mode, fail_count, slow_seconds)

    def set_mode(self, mode: str, count: int | None = None, slow_seconds: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode
        self.mode_remaining = count  # None: until changed
        if slow_seconds is not None:
            self.slow_seconds = slow_seconds

    def take_mode(self) -> str:
        """The mode for this request (counting down a limited failure run)."""
        with self.lock:
            mode = self.mode
            if mode != "ok" and self.mode_remaining is not None:
                self.mode_remaining -= 1
                if self.mode_remaining <= 0:
                    self.mode, self.mode_remaining = "ok", None
            return mode

    def stats(self) -> dict:
        with self.lock:
            return {"instructions": len(self.instructions), "requests": self.requests, "refused": self.refused,
                    "duplicates": sum(n - 1 for n in self.receipts.values()), "mode": self.mode,
                    "mode_remaining": self.mode_remaining}


def _handler(state: SimulatorState, player: EventPlayer | None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the dispatcher reuses its connection
        # Headers and body go out in separate writes; with Nagle on, each answer waits for a delayed ACK (~40 ms).
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):  # quiet by default; the stats endpoint says what happened
            log.debug(fmt, *args)

        def _json(self, status: int, data) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(min(length, MAX_BODY))

        def do_GET(self):
            if self.path == "/admin/stats":
                return self._json(200, {**state.stats(), "events": dict(player.posted) if player else {},
                                        "events_gave_up": player.gave_up if player else 0})
            if self.path == "/instructions":
                with state.lock:
                    return self._json(200, [{"idempotency_key": k, "received": state.receipts[k], **v}
                                            for k, v in state.instructions.items()])
            if self.path == "/health":
                return self._json(200, {"status": "ok"})
            return self._json(404, {"error": "not_found"})

        def do_POST(self):
            body = self._body()
            if self.path == "/admin/mode":
                try:
                    data = json.loads(body or b"{}")
                    state.set_mode(data.get("mode", "ok"), data.get("count"), data.get("slow_seconds"))
                except (ValueError, AttributeError) as exc:
                    return self._json(400, {"error": "bad_mode", "message": str(exc)})
                return self._json(200, state.stats())
            if self.path == "/admin/reset":
                with state.lock:
                    state.instructions.clear()
                    state.receipts.clear()
                    state.requests = state.refused = 0
                return self._json(200, state.stats())
            if self.path == "/instructions":
                return self._instruction(body)
            return self._json(404, {"error": "not_found"})

        def _instruction(self, body: bytes):
            with state.lock:
                state.requests += 1
            mode = state.take_mode()
            if mode == "down":
                # Hang up without a word, as a provider that is down (or a broken proxy) does.
                self.close_connection = True
                return None
            if mode == "error":
                return self._json(500, {"error": "simulated_failure"})
            key = self.headers.get("Idempotency-Key")
            if not key:
                return self._refuse(400, "missing_idempotency_key")
            if state.secret and not verify(state.secret, body, self.headers.get(SIGNATURE_HEADER)):
                return self._refuse(401, "bad_signature")
            try:
                instruction = json.loads(body)
            except ValueError:
                return self._refuse(400, "malformed")
            # Only the shape the simulator itself reads is checked; anything else would hang up on the client.
            lines = instruction.get("lines") if isinstance(instruction, dict) else None
            if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
                return self._refuse(400, "malformed")
            with state.lock:
                state.receipts[key] += 1
                known = state.instructions.get(key)
                if known is None:
                    known = state.instructions[key] = {"id": f"SIM-{len(state.instructions) + 1:06d}",
                                                       "order_number": instruction.get("order_number"),
                                                       "lines": len(lines),
                                                       "request_id": self.headers.get("X-Request-ID")}
                seen = state.receipts[key]
            if seen == 1 and player is not None:
                player.start_instruction(instruction)
            if mode == "slow":
                time.sleep(state.slow_seconds)
            return self._json(201 if seen == 1 else 200, {"id": known["id"], "duplicate": seen > 1})

        def _refuse(self, status: int, code: str):
            with state.lock:
                state.refused += 1
            return self._json(status, {"error": code, "message": code.replace("_", " ")})

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that timed out (the `slow` mode) or died has gone: that is the point, not an error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            log.debug("client %s went away", client_address)
            return
        super().handle_error(request, client_address)


class LogisticsSimulator:
    """The simulator as an object: `start()` serves on a background thread (tests), `serve_forever()` in front."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, secret: str | None = None, events_url: str | None = None,
                 step_delay: float = 2.0, mode: str = "ok", fail_count: int | None = None, slow_seconds: float = 5.0):
        self.state = SimulatorState(secret, mode, fail_count, slow_seconds)
        self.player = EventPlayer(events_url, secret or "", step_delay) if events_url else None
        self.server = _Server((host, port), _handler(self.state, self.player))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LogisticsSimulator":
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="logistics-simulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.server.serve_forever(poll_interval=0.2)
        finally:
            self.close()

    def close(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server.server_close()
        if self.player is not None:
            self.player.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
