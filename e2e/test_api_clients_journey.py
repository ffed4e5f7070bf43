"""Journey: the FSC administrator creates Aarhus's API client on the page (refusals at the fields first), the case
system takes the shown secret from token to a created grant to reading consumption, the administrator rotates the
secret and revokes the client; the page and the API documentation are scanned by axe-core."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import Page, expect

from e2e import steps


def _token(base: str, client_id: str, secret: str):
    return requests.post(f"{base}/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                         auth=(client_id, secret), timeout=10)


def test_admin_creates_a_client_and_the_case_system_grants_and_reads(page: Page, live_server):
    steps.login_staff(page, "admin@stomi-demo.dk", lang="en")
    page.get_by_role("link", name="API clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API clients")

    page.get_by_role("button", name="Create the client").click()
    expect(page.get_by_text("Choose a municipality from the list.").first).to_be_visible()
    expect(page.locator("#scopes-error")).to_contain_text("Choose at least one permission from the list.")

    page.get_by_label("Municipality").select_option(label="Aarhus")
    page.get_by_label("Name of the client").fill("KMD Nexus")
    page.get_by_label("Create, change and end grants (grants:write)").check()
    page.get_by_label("Read citizens' consumption (consumption:read)").check()
    page.get_by_role("button", name="Create the client").click()
    shown = page.get_by_test_id("new-secret")
    expect(shown).to_be_visible()
    client_id = page.get_by_test_id("client-id").inner_text()
    secret = page.get_by_test_id("client-secret").inner_text()
    assert re.fullmatch(r"kommune-751-[0-9a-f]{12}", client_id)

    # The case system: token → a grant for Birthe Nielsen by CPR → her consumption.
    base = live_server.url
    token = _token(base, client_id, secret)
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date().isoformat()
    grant = requests.post(f"{base}/api/v1/grants", timeout=10, headers={**bearer, "Idempotency-Key": "e2e-1"}, json={
        "cpr": "150348-1234", "legal_basis": "Serviceloven § 112", "valid_from": today, "reason": "Irrigation",
        "decided_by": "Peter Vestergaard", "lines": [{"category_code": "irrigation", "quantity": 1, "period": "month"}]})
    assert grant.status_code == 201, grant.text
    assert "150348" not in grant.text
    consumption = requests.post(f"{base}/api/v1/consumption", json={"cpr": "150348-1234"}, headers=bearer, timeout=10)
    assert consumption.status_code == 200
    assert any(line["category_code"] == "irrigation" for line in consumption.json()["lines"])

    row = page.get_by_test_id("api-client").filter(has_text=client_id)
    row.get_by_role("button", name="New secret").click()
    expect(page.get_by_test_id("new-secret")).to_be_visible()
    new_secret = page.get_by_test_id("client-secret").inner_text()
    assert new_secret != secret
    assert _token(base, client_id, secret).status_code == 401
    assert _token(base, client_id, new_secret).status_code == 200

    page.get_by_test_id("api-client").filter(has_text=client_id).get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("api-client").filter(has_text=client_id)).to_contain_text("Revoked")
    assert _token(base, client_id, new_secret).status_code == 401

    page.get_by_role("link", name="The API's documentation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stoma supplies")
    expect(page.locator("#op-createGrant")).to_be_visible()
