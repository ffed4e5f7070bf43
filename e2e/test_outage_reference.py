"""Journey: the database is down; a citizen who tries to log in gets the outage page with the callcenter's number and
an error reference to quote, the same id the server's log lines and answer header carry (axe-core checks the page)."""
from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from e2e import steps
from e2e.conftest import ACTION_TIMEOUT, ROOT, A11yScanner, _free_port, _stomi

CLOSED_PORT = "postgresql+psycopg://postgres@127.0.0.1:1/stomi"


@pytest.fixture
def server_without_database(tmp_path):
    """`stomi run` whose database cannot be reached (a closed port); its log in a file."""
    port = _free_port()
    env = {**os.environ, "STOMI_DATABASE_URL": CLOSED_PORT, "STOMI_INSTANCE_PATH": str(tmp_path / "instance"),
           "STOMI_RATELIMIT_ENABLED": "0", "STOMI_DATABASE_CONNECT_TIMEOUT": "1", "PYTHONUNBUFFERED": "1",
           "STOMI_LOG_FORMAT": "json"}
    log_path = tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen([_stomi(), "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload",
                                    "--no-debugger"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:  # up once the health check answers (503: no database)
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()[-2000:]
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)
            except urllib.error.HTTPError as exc:
                if exc.code == 503:
                    break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        yield url, log_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_citizen_gets_the_outage_page_with_a_reference_to_quote(browser, axe_source, server_without_database):
    url, log_path = server_without_database
    context = browser.new_context(base_url=url, locale="da-DK", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT)
    scanner = A11yScanner(context, axe_source)
    page = scanner.page
    try:
        with page.expect_response(lambda r: r.url.endswith("/login/borger") and r.request.method == "POST") as answered:
            steps.login_citizen(page, "150348-1234")
        response = answered.value
        assert response.status == 503
        main = page.get_by_role("main")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tjenesten er midlertidigt utilgængelig")
        expect(main.get_by_role("link", name="70 20 30 40")).to_be_visible()
        reference = response.headers["x-request-id"]
        expect(main.get_by_test_id("error-reference")).to_contain_text(f"Fejlreference: {reference}")
        expect(main.get_by_text("Oplys denne reference, hvis du ringer til callcenteret om fejlen.")).to_be_visible()
        scanner.finish()
        assert len([u for u in scanner.scanned if u.endswith("/login/borger")]) >= 2  # the login page and the outage page
    finally:
        page.unroute_all(behavior="ignoreErrors")
        context.close()
    log = log_path.read_text()
    assert f'"request_id": "{reference}"' in log and "1503481234" not in log and "150348-1234" not in log
