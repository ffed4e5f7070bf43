"""Journey of fulfilment (issue 7): a citizen's accepted order goes to the logistics provider over real HTTP and comes
back delivered, with the tracking number, on the citizen's order page; the warehouse's pick and cutting list of the
day holds it.

The logistics simulator (`stomi logistics-simulator`) and one run of the dispatcher (`stomi fulfilment dispatch`)
are started as subprocesses with the live server's environment, so all three share the database and the instance's
signing secret; the simulator posts its signed events to the live server on 127.0.0.1. The dispatcher sends every
pending instruction, the demo's and other journeys' too: that is what it does, and no journey depends on an order
staying "accepted".
"""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from e2e import handover, steps
from e2e.handover import BAG, PLATE, NewCitizen

ROOT = Path(__file__).resolve().parent.parent
STOMI = str(Path(sys.executable).parent / "stomi")
STEP_DELAY = 0.2  # seconds between the simulator's events for one order
START_TIMEOUT = 20.0
WAREHOUSE = "lager@stomi-demo.dk"
DELIVERED_WITHIN = 45.0  # seconds from dispatch to "Leveret" on the page, with room for a loaded machine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the logistics simulator exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the logistics simulator did not answer on {url}:\n{log.read_text(errors='replace')}")


class Logistics:
    """The simulator, running; `dispatch()` runs the dispatcher once against it."""

    def __init__(self, url: str, env: dict[str, str]):
        self.url, self.env = url, env

    def dispatch(self) -> str:
        done = subprocess.run([STOMI, "fulfilment", "dispatch"], env={**self.env, "STOMI_LOGISTICS_URL": self.url},
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"`stomi fulfilment dispatch` failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout


@pytest.fixture
def logistics(live_server, tmp_path):
    port = _free_port()
    log = tmp_path / "simulator.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [STOMI, "logistics-simulator", "--port", str(port), "--step-delay", str(STEP_DELAY),
             "--events-url", f"{live_server.url}/api/v1/fulfilment/events"],
            env=live_server.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(f"{url}/health", process, log)
            yield Logistics(url, live_server.env)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _reload_until_status(page: Page, status: str, within: float) -> None:
    """The citizen reloads the order page until it shows `status` (short polls, bounded)."""
    shown = page.get_by_test_id("order-status")
    deadline = time.monotonic() + within
    while shown.inner_text() != status and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    expect(shown).to_have_text(status)


def test_accepted_order_is_dispatched_and_the_citizen_sees_it_delivered_with_tracking(page: Page, logistics: Logistics):
    citizen = NewCitizen(cpr="230794-1316", name="Torben Kjeldsen", diameter_mm=28)
    handover.new_citizen_with_grant(page, citizen)

    steps.login_citizen(page, citizen.cpr)
    number = handover.order_as_citizen(page, {PLATE: 1, BAG: 1}, expect_within_grant=True)
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")
    expect(page.get_by_test_id("tracking")).to_have_count(0)

    report = logistics.dispatch()
    assert re.search(r"sent [1-9]\d*, failed 0", report), report

    _reload_until_status(page, "Leveret", DELIVERED_WITHIN)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bestilling {number}")
    expect(page.get_by_test_id("tracking")).to_have_text(re.compile(r"^SIM\d{12}$"))
    expect(page.get_by_text(re.compile(r"^Sporingsnummer: SIM\d{12} \(PostNord\)"))).to_be_visible()
    # The number links to the carrier's own tracking page (issue 19, item 7).
    link = page.get_by_role("link", name="Følg pakken hos PostNord")
    expect(link).to_have_attribute("href", re.compile(r"^https://tracking\.postnord\.com/dk/\?id=SIM\d{12}$"))
    timeline = page.get_by_test_id("timeline").get_by_role("listitem")
    expect(timeline).to_have_count(7)
    for index, step in enumerate(["Godkendt", "Sendt til lageret", "Plukket", "Klippet efter dit mål", "Pakket",
                                  "Afsendt", "Leveret"]):
        expect(timeline.nth(index)).to_contain_text(step)
    # Delivered, so a problem can now be reported.
    expect(page.get_by_role("link", name="Meld et problem med leveringen")).to_be_visible()
    steps.logout(page)

    # The warehouse sees the instruction sent and delivered, and today's pick and cutting list holds the order.
    steps.login_staff(page, WAREHOUSE)
    sent = page.get_by_test_id("sent-instructions").get_by_role("row").filter(has_text=number)
    expect(sent).to_contain_text(re.compile(r"Leveret \(SIM\d{12}\)"))
    page.get_by_role("button", name="Åbn plukkelisten (PDF)").click()
    expect(page).to_have_url(re.compile(r"/lager/plukliste\.pdf\?date=\d{4}-\d{2}-\d{2}$"))
    # The browser shows the PDF in its viewer; read the same document to check what it says.
    response = page.request.get(page.url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert "Plukkeliste" in text and "Klippeliste" in text
    # The order's lines, the baseplate cut to the citizen's measure: one pack of 10 plates.
    assert re.search(rf"{number}\n.*\n{citizen.postcode} {citizen.city}\n{PLATE} × 1 – Ø 28 mm: 10\n{BAG} × 1", text), text
