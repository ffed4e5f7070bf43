"""Journeys: the FSC administrator reads delivery times; the warehouse sees its instructions and the API page."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_fsc_admin_opens_delivery_times(page: Page):
    steps.login_staff(page, "admin@stomi-demo.dk")
    page.get_by_role("link", name="Leveringstider i forhold til logistikkontrakten").click()
    expect(page).to_have_url(re.compile(r"/admin/levering$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Leveringstider")
    expect(page.get_by_role("table")).to_be_visible()
    steps.logout(page)


def test_warehouse_sees_instructions_and_the_api_page(page: Page):
    steps.login_staff(page, "lager@stomi-demo.dk")
    expect(page.get_by_role("heading", name="Sendt til leverandøren")).to_be_visible()
    expect(page.get_by_label("Plukke- og klippeliste for bestillinger godkendt den")).to_be_visible()
    page.get_by_role("link", name="Lager-API'et til leverandørens systemer").click()
    expect(page).to_have_url(re.compile(r"/api/v1/docs$"))
    expect(page.get_by_role("heading", level=3, name=re.compile(r"POST .*fulfilment.events"))).to_be_visible()
    steps.logout(page)
