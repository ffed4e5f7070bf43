"""The harness itself: every document a journey passes through is scanned, and a violation fails the test."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Error as PlaywrightError, Page, expect

from e2e.conftest import AccessibilityError, A11yScanner

# How long the deliberately slow script and image take: far longer than a journey needs to move on.
SLOW_MS = 1500
LOADING_PAGE = """<!DOCTYPE html><html lang="da"><head><title>Still loading</title></head>
<body><main><h1>Still loading</h1><form action="/login"><button>Log ind</button></form></main>
<script src="/slow.js"></script></body></html>"""
IMAGE_PAGE = """<!DOCTYPE html><html lang="da"><head><title>Images loading</title></head>
<body><main><h1>Images loading</h1><img src="/slow.gif" alt="Slow"><a href="__LOGIN__">Log ind</a></main></body></html>"""
# A table that fits at 1280 px and scrolls sideways on a phone, in a container keyboard users cannot reach.
NARROW_ONLY_PAGE = """<!DOCTYPE html><html lang="da"><head><title>Wide table</title></head>
<body><main><h1>Wide table</h1><div style="overflow-x: auto"><table style="width: 900px"><caption>Wide</caption>
<tr><th scope="col">A</th><th scope="col">B</th></tr><tr><td>1</td><td>2</td></tr></table></div>
<a href="/">Forsiden</a></main></body></html>"""
BROKEN_PAGE = """<!DOCTYPE html><html lang="da"><head><title>Broken on purpose</title></head>
<body><main><h1>Broken on purpose</h1><img src="/static/none.png"><a href="/">Forsiden</a></main></body></html>"""


def test_every_document_on_the_way_is_scanned(page: Page, a11y: A11yScanner, live_server):
    page.goto("/")
    page.get_by_role("link", name="Log ind for medarbejdere").first.click()
    page.get_by_role("button", name="Log ind", exact=True).click()  # empty form: errors, same URL, new document
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind for medarbejdere")
    page.go_back()
    a11y.finish()
    base = live_server.url
    assert a11y.scanned == [f"{base}/", f"{base}/login", f"{base}/login", f"{base}/login"]
    # ... and at phone width too (a document left before its copy loaded is checked at desktop width only)
    assert f"{base}/login (at 375 px)" in a11y.scanned_narrow


def test_a_page_is_also_scanned_at_phone_width(page: Page, a11y: A11yScanner, live_server):
    page.route("**/wide-table", lambda route: route.fulfill(body=NARROW_ONLY_PAGE, content_type="text/html"))
    page.goto("/wide-table")
    page.get_by_role("link", name="Forsiden").click()
    expect(page).to_have_url(f"{live_server.url}/")
    assert page.viewport_size == {"width": 1280, "height": 900}  # the journey acts at desktop size
    with pytest.raises(AccessibilityError) as failure:
        a11y.finish()
    message = str(failure.value)
    assert f"on {live_server.url}/wide-table (at 375 px)" in message
    assert "scrollable-region-focusable" in message
    assert f"on {live_server.url}/wide-table\n" not in message + "\n"  # clean at 1280 px
    a11y.reports.clear()


@pytest.mark.parametrize("leave_by", ["submitting its form", "going to another address"])
def test_a_document_left_before_it_finished_loading_is_scanned(page: Page, a11y: A11yScanner, live_server, leave_by):
    # Leaving a page that is still being parsed (here: waiting for a script) aborts it, and then its "load"
    # event never comes. Journeys do that whenever they click faster than the page loads.
    def slow_script(route):
        page.wait_for_timeout(SLOW_MS)
        try:
            route.fulfill(body="/* late */", content_type="text/javascript")
        except PlaywrightError:
            pass  # the page was left before the script arrived, as intended

    page.route("**/still-loading", lambda route: route.fulfill(body=LOADING_PAGE, content_type="text/html"))
    page.route("**/slow.js", slow_script)
    page.goto("/still-loading", wait_until="commit")
    if leave_by == "submitting its form":
        page.get_by_role("button", name="Log ind").click()
    else:
        page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind for medarbejdere")
    a11y.finish()
    assert a11y.scanned[0] == f"{live_server.url}/still-loading"
    assert a11y.scanned[1].startswith(f"{live_server.url}/login")


class _SlowImages(BaseHTTPRequestHandler):
    """A real server, so the image is really downloading (a request held by page.route is not)."""

    def do_GET(self):
        if self.path.startswith("/slow.gif"):
            time.sleep(SLOW_MS / 1000)
            body, kind = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"
        else:
            body, kind = IMAGE_PAGE.replace("__LOGIN__", self.server.login_url).encode(), "text/html"
        try:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the browser gave up on the image, as intended

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("leave_by", ["clicking a link", "going to another address"])
def test_a_document_left_while_its_images_still_load_is_scanned(page: Page, a11y: A11yScanner, live_server, leave_by):
    # Parsed, but "load" has not fired: moving on stops the download, and "load" never comes.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowImages)
    server.login_url = f"{live_server.url}/login"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page_url = f"http://127.0.0.1:{server.server_address[1]}/images-loading"
        page.goto(page_url, wait_until="domcontentloaded")
        if leave_by == "clicking a link":
            page.get_by_role("link", name="Log ind").click()
        else:
            page.goto("/login")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log ind for medarbejdere")
        a11y.finish()
    finally:
        server.shutdown()
    assert a11y.scanned[:2] == [page_url, f"{live_server.url}/login"]


def test_a_violation_fails_with_rule_impact_selector_and_url(page: Page, a11y: A11yScanner, live_server):
    page.route("**/broken-on-purpose", lambda route: route.fulfill(body=BROKEN_PAGE, content_type="text/html"))
    page.goto("/broken-on-purpose")
    page.get_by_role("link", name="Forsiden").click()  # the broken page is left at once: still scanned
    expect(page).to_have_url(f"{live_server.url}/")
    with pytest.raises(AccessibilityError) as failure:
        a11y.finish()
    message = str(failure.value)
    assert f"on {live_server.url}/broken-on-purpose" in message
    assert "image-alt (critical)" in message and "at: img" in message
    a11y.reports.clear()  # seen and checked: don't fail this test at its end


def test_scan_checks_changes_inside_a_page(page: Page, a11y: A11yScanner):
    page.goto("/")
    a11y.scan()  # clean, and waits for the automatic scan so it cannot see the change below
    page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    with pytest.raises(AccessibilityError, match="image-alt"):
        a11y.scan()


def test_a_journey_that_asks_only_for_page_is_checked_too(page: Page, request):
    # pytest_runtest_call finds the scanner among the test's fixtures; `page` must bring it along.
    assert isinstance(request.node.funcargs.get("a11y"), A11yScanner)
