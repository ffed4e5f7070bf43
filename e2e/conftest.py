"""E2E harness: the app as a live server on a throw-away database, Debian's Chromium, axe-core on every page.

How to write a journey
======================
One file per role or area, ``e2e/test_<role>_<what>.py``. Ask for the ``page`` fixture and drive it like a
person would; shared steps (log in, log out, switch language) are in ``e2e/steps.py``::

    from playwright.sync_api import expect
    from e2e import steps

    def test_nurse_opens_the_queue(page):
        steps.login_staff(page, "sygeplejerske.aarhus@stomi-demo.dk")
        page.get_by_role("link", name="Kø").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Kø")

* ``page`` is a Playwright ``Page`` in a fresh browser context (own cookies: sessions never leak between
  tests), with ``base_url`` set to the live server, so ``page.goto("/login")`` works. ``live_server.url``
  is the base URL, ``live_server.env`` the environment to run another ``stomi`` command on the same data.
* **Every HTML document the page shows is checked with axe-core (WCAG 2.0/2.1 A and AA) without you doing
  anything**: after ``goto``, a link click, a form submit, a redirect, a language switch, ``reload`` or
  ``go_back``. axe is injected into every document and runs when it is parsed; when the journey leaves a
  document, the next request waits until that document's scan has reported, and when the test body ends the
  harness waits for the last one. A violation fails the test with rule id, impact, help text, the first
  selectors and the URL.
* **Each document is scanned at two widths**: as the journey shows it (1280 px) and as a phone shows it
  (``NARROW_WIDTH``, 375 px; reported as "... (at 375 px)"). The phone scan runs in the page, on a copy of the
  document (scripts removed) in an off-screen frame 375 px wide, whose media queries are a phone's: the journey
  keeps acting at desktop size, and Chromium would not resize a page while its next navigation waits anyway.
* Content that changes *inside* a document without a navigation (a disclosure opened, a dialog shown,
  client-side validation) is not a new document: call ``a11y.scan()`` (fixture ``a11y``) in the state you
  want checked; it raises at once on a violation.
* Never silence a rule: fix the markup or the CSS.
* Log in with ``steps.login_staff``/``steps.login_citizen``: they choose the language on the login page
  first, because logging in applies the user's stored language, which another journey may have left at
  English.
* Assert what a person sees (headings, text, the URL) through roles and labels (``get_by_role``,
  ``get_by_label``, ``get_by_text``); never database rows or CSS internals. Scope text to
  ``page.get_by_role("main")`` when the header or footer could repeat it.
* The demo data is ``stomi demo-data --scale small --seed 1``, loaded once per run and shared by all
  journeys: a journey that changes data must use its own citizen/user or tolerate earlier journeys.
* The browser is ``/usr/bin/chromium`` (``scripts/test.sh`` installs it with apt-get); never run
  ``playwright install``.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Error as PlaywrightError, Page, Route, expect, sync_playwright

from tests.dbutil import throwaway_database

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# The switches keep Debian's Chromium from phoning home or needing a GPU/sandbox in CI containers.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Generous: on a busy CI machine importing the app alone can take many seconds.
SERVER_START_TIMEOUT = 60.0
# How many selectors of one violation to print: enough to find the element, short enough to read.
MAX_TARGETS = 5

A11Y_ENDPOINT = "/__stomi_a11y__/"
# Appended to axe.min.js and injected into every document by add_init_script (DevTools injection, so the
# app's strict CSP allows it). Each HTML document announces itself ("begin") as soon as it exists and
# runs axe once it is parsed, then posts the result ("report"). Both go to A11Y_ENDPOINT, which the
# harness answers itself through page.route: nothing reaches the app. The page reports by fetch, not
# by evaluate() or expose_binding(), because Chromium holds DevTools calls into a document while its
# successor's navigation is pending, and that is exactly when the harness waits for the report.
IN_PAGE_SCAN = """
;(() => {
  if (window.top !== window || !/^https?:$/.test(location.protocol)) {
    return;  // frames and about:blank are not documents of their own
  }
  const id = Date.now().toString(36) + Math.random().toString(36).slice(2);
  // No keepalive: its 64 KB cap could drop a long report, and the harness keeps the document alive anyway.
  const send = (kind, body) => fetch(__ENDPOINT__ + kind, {method: "POST", body: JSON.stringify(body)});
  if (document.contentType !== "text/html") {
    send("skip", {id: id, url: location.href});  // a PDF or the like: counted, not checked
    return;
  }
  const state = window.__stomiA11y = {id: id, done: false};
  const violations = (result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    count: v.nodes.length, targets: v.nodes.slice(0, __MAX_TARGETS__).map((n) => n.target.join(" ")),
  }));
  const options = {runOnly: {type: "tag", values: __TAGS__}, resultTypes: ["violations"]};
  // The phone: a copy of the document as it is now, without its scripts (they ran already, and would run
  // twice), in a frame NARROW_WIDTH wide out of sight; axe (injected into every frame) scans it there.
  const runNarrow = async () => {
    const copy = document.documentElement.cloneNode(true);
    copy.querySelectorAll("script").forEach((script) => script.remove());
    copy.setAttribute("data-a11y-copy", "");  // tells the copy from the frame's first, empty document
    const frame = document.createElement("iframe");
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    Object.assign(frame.style, {position: "fixed", left: "-10000px", top: "0", border: "0",
                                width: "__NARROW_WIDTH__px", height: "__NARROW_HEIGHT__px"});
    // The frame's "load" can wait behind the navigation the journey starts (Chromium holds it), so the phone
    // scan waits NARROW_LOAD_MS at most, and a document left that early is scanned at desktop width only.
    const loaded = new Promise((resolve) => {
      frame.addEventListener("load", () => resolve(true), {once: true});
      setTimeout(() => resolve(false), __NARROW_LOAD_MS__);
    });
    frame.srcdoc = "<!DOCTYPE html>" + copy.outerHTML;
    document.body.append(frame);
    try {
      if (!(await loaded) || !frame.contentDocument.documentElement.hasAttribute("data-a11y-copy")) return null;
      const result = await frame.contentWindow.axe.run(frame.contentDocument, options);
      return violations(result);
    } finally {
      frame.remove();
    }
  };
  state.run = async () => {
    const result = await axe.run(document, options);
    return {id: state.id, url: location.href, violations: violations(result), narrow: await runNarrow()};
  };
  let started = false;
  const scanAndReport = async () => {
    if (started) return;
    started = true;
    send("started", {id: state.id});
    let report;
    try {
      report = await state.run();
    } catch (error) {
      report = {id: state.id, url: location.href, error: String(error)};
    }
    try {
      await send("report", report);
    } finally {
      state.done = true;
    }
  };
  send("begin", {id: state.id, url: location.href});
  // Scan once the document is parsed, not at "load": a journey that moves on while fonts or images are
  // still coming stops the download and "load" never fires. The stylesheets are in by then (the layout's
  // scripts at the end of <body> wait for them), and the timeout lets the page's own DOMContentLoaded
  // handlers (DKFDS.init) finish first.
  const scanSoon = () => setTimeout(scanAndReport, 0);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scanSoon, {once: true});
  } else {
    scanSoon();
  }
  // Leaving a page that is still being parsed aborts it and DOMContentLoaded never comes: scan what is there.
  window.addEventListener("beforeunload", scanAndReport, {once: true});
})();
"""
# For a11y.scan(): wait for the automatic run (axe refuses to run twice at once), then scan the DOM as it is now.
SCAN_NOW = """async (timeoutMs) => {
  const state = window.__stomiA11y;
  if (!state) return null;
  const deadline = Date.now() + timeoutMs;
  while (!state.done && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  return await state.run();
}"""
# The phone every document is also scanned at (see the module docstring).
NARROW_WIDTH, NARROW_HEIGHT = 375, 800
# How long the copy of a document scanned at phone width may take to load (see IN_PAGE_SCAN's runNarrow).
NARROW_LOAD_MS = 3000
# A document whose scan is still running when the journey leaves it is waited for this long: shorter than
# ACTION_TIMEOUT, so a stuck scan is reported as such rather than as a click that timed out. Both are
# generous because CI machines run several suites at once; they only cost time when something is wrong.
SCAN_TIMEOUT = 20.0
ACTION_TIMEOUT = 30_000
EXPECT_TIMEOUT = 10_000


@dataclass
class LiveServer:
    url: str
    log_path: Path
    # The server's environment (database, instance path with its generated secrets): a journey that runs another
    # `stomi` command against the same data (the fulfilment dispatcher, the logistics simulator) starts it with this.
    env: dict[str, str] = field(default_factory=dict)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stomi() -> str:
    # The console script of the interpreter running pytest, so a fresh clone's .venv is used, not $PATH.
    script = Path(sys.executable).parent / "stomi"
    if not script.exists():
        pytest.exit(f"{script} is missing: run ./scripts/install.sh first", returncode=1)
    return str(script)


def _run_cli(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([_stomi(), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"`stomi {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _wait_until_healthy(url: str, process: subprocess.Popen, server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the e2e server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise RuntimeError(
        f"the e2e server did not answer 200 on {url}/healthz within {SERVER_START_TIMEOUT:.0f} s "
        f"(last: {last_error}):\n{server.log_tail()}"
    )


@contextmanager
def _test_idp(tmp: Path, app_port: int):
    """The local NemLog-in stand-in (devtools/saml_idp.py, pysaml2's IdP side) on a free port; yields its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp / "idp.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.saml_idp", "--port", str(port), "--key-dir", str(tmp / "idp"),
             "--sp-metadata", f"http://127.0.0.1:{app_port}/saml/metadata"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            server = LiveServer(url=url, log_path=tmp / "idp.log")
            _wait_until_healthy(url, process, server)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


class MailSink:
    """An SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message the app sends: the e2e server's mail server."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.port = _free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, to: str, *, after: int = 0, timeout: float = 15.0) -> EmailMessage:
        """The first message to `to` among those received after the first `after` ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages[after:]:
                if to.lower() in str(message["To"]).lower():
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no e-mail to {to} within {timeout:.0f} s (got {len(self.messages)} in all)")


@pytest.fixture(scope="session")
def mail_sink() -> MailSink:
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, mail_sink) -> LiveServer:
    """The app served by `stomi run` on a free port, migrated and loaded with the small demo data, with the test IdP
    beside it for "Log ind med MitID"; its e-mail goes to `mail_sink`."""
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    with throwaway_database(tmp, "e2e") as database_url, _test_idp(tmp, port) as idp_url:
        env = {
            **os.environ,
            "STOMI_SMTP_HOST": "127.0.0.1",
            "STOMI_SMTP_PORT": str(mail_sink.port),
            "STOMI_DATABASE_URL": database_url,
            "STOMI_INSTANCE_PATH": str(tmp / "instance"),
            # Journeys log in many times from one address; the limiter is tested by the unit tests.
            "STOMI_RATELIMIT_ENABLED": "0",
            "FLASK_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
            "STOMI_SAML_IDP_METADATA": f"{idp_url}/metadata",
            "STOMI_SAML_BASE_URL": f"http://127.0.0.1:{port}",
            "STOMI_PUBLIC_URL": f"http://127.0.0.1:{port}",  # the links in e-mails and notices
            # A real worker (below) runs the jobs the pages start, from a queue of this session's own.
            "STOMI_JOBS_SYNC": "0",
            "STOMI_JOBS_QUEUE": f"stomi-e2e-{uuid.uuid4().hex[:12]}",
        }
        _run_cli(["db", "upgrade"], env)
        _run_cli(["demo-data", "--scale", "small", "--seed", "1"], env)
        server = LiveServer(url=f"http://127.0.0.1:{port}", log_path=tmp / "server.log", env=env)
        # The log goes to a file, not a pipe: an unread pipe fills up and blocks the server.
        with server.log_path.open("wb") as log:
            process = subprocess.Popen(
                [_stomi(), "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )
            with (tmp / "worker.log").open("wb") as worker_log:
                worker = subprocess.Popen([_stomi(), "worker", "--no-scheduler"], env=env, cwd=ROOT, stdout=worker_log,
                                          stderr=subprocess.STDOUT)
                try:
                    _wait_until_healthy(server.url, process, server)
                    yield server
                finally:
                    for child in (process, worker):
                        child.terminate()
                    for child in (process, worker):
                        try:
                            child.wait(timeout=10)
                        except subprocess.TimeoutExpired:
                            child.kill()
                            child.wait()
        _assert_no_personal_data(server.log_path)
        _assert_no_personal_data(tmp / "worker.log")

def _assert_no_personal_data(log_path: Path) -> None:
    """The server's log of every journey must not hold a demo citizen's CPR number or name (issue 23)."""
    from devtools.demo import DEMO_CITIZENS

    text = log_path.read_text(errors="replace")
    forbidden = [item for number, name, *_ in DEMO_CITIZENS for item in (number, f"{number[:6]}-{number[6:]}", name)]
    leaks = [line[:300] for line in text.splitlines() if any(item in line for item in forbidden)]
    assert not leaks, "personal data in the e2e server's log:\n" + "\n".join(leaks[:20])


expect.set_options(timeout=EXPECT_TIMEOUT)


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.exit(f"{CHROMIUM} is missing: ./scripts/test.sh installs Debian's chromium with apt-get", returncode=1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.exit(f"{AXE_PATH} is missing: run ./scripts/install.sh (npm ci installs axe-core)", returncode=1)
    return AXE_PATH.read_text()


class AccessibilityError(AssertionError):
    """axe-core found WCAG A/AA violations."""


def format_violations(reports: list[dict]) -> str:
    count = sum(len(r["violations"]) for r in reports)
    lines = [f"axe-core found {count} WCAG 2.0/2.1 A/AA violation(s):"]
    for report in reports:
        lines.append(f"  on {report['url']}")
        for v in report["violations"]:
            targets = v["targets"][:MAX_TARGETS]
            more = v.get("count", len(v["targets"])) - len(targets)
            lines.append(f"    - {v['id']} ({v['impact']}): {v['help']}")
            lines.append(f"        at: {', '.join(targets)}" + (f" (+{more} more)" if more > 0 else ""))
            lines.append(f"        see {v['helpUrl']}")
    return "\n".join(lines)


def _narrow_report(report: dict) -> dict:
    """The phone-width half of a document's report, as a report of its own."""
    return {"id": report["id"], "url": f"{report['url']} (at {NARROW_WIDTH} px)", "violations": report.get("narrow") or []}


class A11yScanner:
    """Collects axe-core's findings for every document one page shows (see the module docstring)."""

    def __init__(self, context: BrowserContext, axe_source: str):
        self.pending: dict[str, str] = {}  # documents that began but have not reported: id -> URL
        self.started: set[str] = set()  # documents whose axe run has started (to say why a report is missing)
        self.scanned: list[str] = []  # URL of every document scanned, in order
        self.scanned_narrow: list[str] = []  # the same at phone width ("... (at 375 px)")
        self.reports: list[dict] = []  # the scans that found violations
        self.problems: list[str] = []  # documents the harness could not check
        script = (
            IN_PAGE_SCAN.replace("__ENDPOINT__", json.dumps(A11Y_ENDPOINT))
            .replace("__TAGS__", json.dumps(WCAG_TAGS))
            .replace("__MAX_TARGETS__", str(MAX_TARGETS))
            .replace("__NARROW_WIDTH__", str(NARROW_WIDTH)).replace("__NARROW_HEIGHT__", str(NARROW_HEIGHT))
            .replace("__NARROW_LOAD_MS__", str(NARROW_LOAD_MS))
        )
        context.add_init_script(axe_source + "\n" + script)
        # Documents the main frame committed, and documents that announced themselves: the announcement
        # ("begin") is a request of its own and may trail the commit, so a navigation away waits for it.
        self.committed = 0
        self.announced = 0
        self._last_url = ""
        self.page = context.new_page()
        self.page.on("framenavigated", self._on_navigated)
        # Requests under way, to say what a page was still waiting for when its scan never started.
        self.loading: dict[object, str] = {}
        self.page.on("request", lambda request: self.loading.__setitem__(request, request.url))
        self.page.on("requestfinished", lambda request: self.loading.pop(request, None))
        self.page.on("requestfailed", lambda request: self.loading.pop(request, None))
        self.page.route("**/*", self._route)

    def _on_navigated(self, frame) -> None:
        if frame != self.page.main_frame:
            return
        url, last = frame.url, self._last_url
        self._last_url = url
        if not url.startswith(("http://", "https://")):
            return
        if "#" in url and url.split("#")[0] == last.split("#")[0]:
            return  # a jump to an anchor on the same page (an error summary's link): same document
        self.committed += 1

    def _route(self, route: Route) -> None:
        request = route.request
        if urlsplit(request.url).path.startswith(A11Y_ENDPOINT):
            self._receive(route)
            return
        try:
            if request.is_navigation_request() and request.frame == self.page.main_frame:
                # The journey is leaving a document: its successor's request waits here until the scan of
                # the old one has reported, so no page is left unchecked however fast the journey clicks.
                self._wait_for_pending(f"before going to {request.url}")
        finally:
            try:
                route.continue_()
            except PlaywrightError:
                pass  # the context closed while the request waited; nothing left to load

    def _receive(self, route: Route) -> None:
        kind = urlsplit(route.request.url).path.rsplit("/", 1)[-1]
        body = json.loads(route.request.post_data or "{}")
        if kind in ("begin", "skip"):
            self.announced += 1
        if kind == "begin":
            self.pending[body["id"]] = body["url"]
        elif kind == "started":
            self.started.add(body["id"])
        elif kind == "report":
            self.pending.pop(body["id"], None)
            self._record(body)
        route.fulfill(status=204)

    def _record(self, report: dict) -> None:
        self.scanned.append(report["url"])
        if report.get("error"):
            self.problems.append(f"axe failed on {report['url']}: {report['error']}")
            return
        if report["violations"]:
            self.reports.append(report)
        if report.get("narrow") is None:
            return  # left before its copy loaded: scanned at desktop width only (see IN_PAGE_SCAN)
        narrow = _narrow_report(report)
        self.scanned_narrow.append(narrow["url"])
        if narrow["violations"]:
            self.reports.append(narrow)

    def _wait_for_pending(self, when: str) -> None:
        deadline = time.monotonic() + SCAN_TIMEOUT
        while (self.pending or self.announced < self.committed) and time.monotonic() < deadline:
            try:
                self.page.wait_for_timeout(20)
            except PlaywrightError:
                return  # the context closed under us at the end of a test: nothing left to wait for
        if self.announced < self.committed:
            self.problems.append(f"{self._last_url} was shown but its scan never started ({when})")
            self.announced = self.committed
        for id_, url in self.pending.items():
            if id_ in self.started:
                state = "axe started but did not report"
            else:
                waiting = ", ".join(sorted(set(self.loading.values()))[:5]) or "nothing"
                state = f"axe never started (not parsed, no beforeunload; still loading: {waiting})"
            self.problems.append(f"{url}: {state} within {SCAN_TIMEOUT:.0f} s ({when})")
        self.pending.clear()

    def scan(self) -> None:
        """Scan the current document as it is now; fail at once on a violation. For changes inside a page."""
        report = self.page.evaluate(SCAN_NOW, SCAN_TIMEOUT * 1000)
        if report is None:
            return
        self.scanned.append(report["url"])
        narrow = _narrow_report(report)
        if report.get("narrow") is None:
            raise AccessibilityError(f"the copy of {report['url']} did not load for the scan at {NARROW_WIDTH} px")
        self.scanned_narrow.append(narrow["url"])
        found = [r for r in (report, narrow) if r["violations"]]
        if found:
            raise AccessibilityError(format_violations(found))

    def finish(self) -> None:
        """Wait for the last document's scan; fail if any document had violations or could not be checked."""
        try:
            self.page.wait_for_load_state("domcontentloaded")
            self.page.wait_for_function("() => !window.__stomiA11y || window.__stomiA11y.done", timeout=SCAN_TIMEOUT * 1000)
        except PlaywrightError as exc:
            self.problems.append(f"could not wait for the scan of {self.page.url}: {exc.message.splitlines()[0]}")
        self._wait_for_pending("at the end of the test")
        messages = []
        if self.reports:
            messages.append(format_violations(self.reports))
        if self.problems:
            messages.append("the a11y harness could not check every page:\n  " + "\n  ".join(self.problems))
        if messages:
            raise AccessibilityError("\n".join(messages))


@pytest.fixture
def a11y(browser, live_server, axe_source) -> A11yScanner:
    """A fresh browser context (no cookies from other tests) and its page, watched by axe-core."""
    context = browser.new_context(base_url=live_server.url, locale="da-DK", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT)
    scanner = A11yScanner(context, axe_source)
    yield scanner
    scanner.page.unroute_all(behavior="ignoreErrors")
    context.close()


@pytest.fixture
def page(a11y) -> Page:
    return a11y.page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After the test body, scan the last document and fail the test (not its teardown) on violations."""
    scanner = item.funcargs.get("a11y")
    try:
        result = yield
    except BaseException as exc:
        # The test already failed; still say what axe found, it may be why.
        if scanner is not None and scanner.reports:
            exc.add_note(format_violations(scanner.reports))
        raise
    if scanner is not None:
        scanner.finish()
    return result


def pytest_collection_modifyitems(config, items):
    # Mark the journeys so `pytest -m "not e2e"` runs the quick tests only.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def pytest_report_header(config):
    return f"e2e: {CHROMIUM}, axe-core {json.loads((AXE_PATH.parent / 'package.json').read_text())['version'] if AXE_PATH.exists() else 'missing'}"
