"""Journeys: a stoma nurse's recommendation reaches the grant officer's worklist, who follows one and dismisses another.

The first recommendation is made the way a nurse makes it: a new citizen (e2e/handover.py) orders beyond the grant and
the municipal nurse approves the order once with a recommendation; the officer raises the grant and marks it done.
The second is made through the service (`approvals.approve_product_change`) for a demo citizen of Aarhus, so the journey
does not have to walk the citizen's product-change request as well; the officer dismisses it, first without a note.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from e2e import handover, steps
from e2e.conftest import ROOT
from e2e.handover import BAG, NewCitizen

MUNICIPAL_NURSE = "sygeplejerske.aarhus@stomi-demo.dk"
NURSE_NAME = "Mette Lauridsen"
OFFICER = handover.GRANT_OFFICER_AARHUS
LIST_HEADING = "Anbefalinger fra stomisygeplejersker"

# Run in a process of its own against the live server's database: a product change approved by the municipal nurse
# for the newest demo citizen of Aarhus, of a product in a category the citizen has no category grant for (so the
# approval becomes a recommendation rather than taking effect at once).
RECOMMEND_A_PRODUCT_CHANGE = """
import json
from sqlalchemy import select
from catalogue.models import Product, Variant
from stomi_app import create_app
from care.approvals import approve_product_change, request_product_change
from stomi_app.extensions import db
from grants.services import grants_in_force
from stomi_app.models import Citizen, Municipality, User
from stomi_app.timeutil import local_today

app = create_app()
with app.app_context():
    aarhus = db.session.scalar(select(Municipality).where(Municipality.code == 751))
    nurse = db.session.scalar(select(User).where(User.email == "%(nurse)s"))
    citizen = db.session.scalar(select(Citizen).where(Citizen.municipality_id == aarhus.id).order_by(Citizen.id.desc()).limit(1))
    covered = {l.category_id for g in grants_in_force([citizen.id], local_today()) for l in g.lines if l.category_id}
    granted = {l.variant_id for g in grants_in_force([citizen.id], local_today()) for l in g.lines if l.variant_id}
    wanted = db.session.scalar(select(Variant).join(Product).where(
        Variant.active.is_(True), Product.category_id.not_in(covered or {0}), Variant.id.not_in(granted or {0}))
        .order_by(Variant.article_number).limit(1))
    change = request_product_change(citizen, wanted_variant=wanted, reason="Lækager om natten")
    recommendation = approve_product_change(nurse, change, quantity="2", reason="%(note)s")
    assert recommendation is not None
    db.session.commit()
    print(json.dumps({"name": citizen.name, "cpr": citizen.cpr_masked, "article": wanted.article_number}))
"""
CHANGE_NOTE = "Konveks plade anbefales: lækager om natten (e2e)."


@pytest.fixture
def product_change(live_server) -> dict:
    code = RECOMMEND_A_PRODUCT_CHANGE % {"nurse": MUNICIPAL_NURSE, "note": CHANGE_NOTE}
    done = subprocess.run([sys.executable, "-c", code], env=live_server.env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _open_the_worklist(page: Page) -> None:
    steps.login_staff(page, OFFICER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommuneportal")
    expect(page.get_by_test_id("recommendation-count")).not_to_have_text("0")
    page.get_by_role("link", name="se anbefalingerne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LIST_HEADING)


def _nurse_approves_and_recommends(page: Page, citizen: NewCitizen, note: str) -> str:
    """The municipal nurse takes the citizen's waiting order and approves it once with a recommendation (5 a month)."""
    steps.login_staff(page, MUNICIPAL_NURSE)
    page.get_by_role("link", name="Åbn arbejdskøen").click()
    page.get_by_label("Opgavetype").select_option(label="Bestilling til godkendelse")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.get_by_test_id("queue").get_by_role("row").filter(has_text=citizen.name).last.get_by_role(
        "link", name="Bestilling til godkendelse").click()
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Bestilling ")
    page.get_by_role("button", name="Tag opgaven").click()
    decision = page.get_by_test_id("decision")
    decision.get_by_label("Godkend denne bestilling én gang og anbefal sagsbehandleren en ændring af bevillingen").check()
    decision.get_by_label("Begrundelse (borgeren kan læse den)").fill("Godkendt: flere poser de første måneder.")
    expect(decision.get_by_role("textbox", name=re.compile(r"Link 2-dels pose"))).to_have_value("5")
    decision.get_by_label("Notat til sagsbehandleren").fill(note)
    decision.get_by_role("button", name="Gem afgørelsen").click()
    expect(page.get_by_text(f"Bestilling {number} er godkendt.")).to_be_visible()
    steps.logout(page)
    return number


def test_a_nurse_recommends_and_the_grant_officer_raises_the_grant_and_marks_it_done(page: Page):
    citizen = NewCitizen(cpr="030493-1206", name="Ida Rosenkilde", products=((BAG, 3),))
    handover.new_citizen_with_grant(page, citizen)
    steps.login_citizen(page, citizen.cpr)
    handover.order_as_citizen(page, {BAG: 5}, expect_within_grant=False)
    steps.logout(page)
    note = "Højt output: 5 poser om måneden de første måneder."
    number = _nurse_approves_and_recommends(page, citizen, note)

    _open_the_worklist(page)
    row = page.get_by_test_id("recommendations").get_by_role("row").filter(has_text=citizen.masked_cpr)
    expect(row).to_contain_text("Anbefalet ændring af bevilling efter en bestilling")
    expect(row).to_contain_text(f"Bestilling {number}")
    expect(row).to_contain_text(note)
    expect(row).to_contain_text(re.compile(rf"5 pr\. måned × .*\({BAG}\)"))
    expect(row).to_contain_text(NURSE_NAME)

    # The citizen's page, where the grant is changed, points back to the recommendation.
    row.get_by_role("link", name=citizen.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(citizen.name)
    expect(page.get_by_test_id("open-recommendations")).to_contain_text("En stomisygeplejerske anbefaler en ændring af bevillingen")
    page.get_by_role("link", name="Ret bevillingen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ret bevillingen")
    lines = page.get_by_role("group", name=re.compile(r"^Linje \d+$"))
    line = next(r for r in lines.all() if r.get_by_label("Varenummer").input_value() == BAG)
    line.get_by_label("Antal (pakninger)").fill("5")
    page.get_by_label("Begrundelse").fill("Hævet efter stomisygeplejerskens anbefaling.")
    page.get_by_role("button", name="Gem bevillingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(citizen.name)

    page.get_by_test_id("open-recommendations").get_by_role("link", name="Anbefalet ændring af bevilling efter en bestilling").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anbefaling for {citizen.name}")
    expect(page.get_by_test_id("nurse-note")).to_have_text(note)
    page.get_by_role("button", name="Udført (bevilling ændret)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LIST_HEADING)
    expect(page.get_by_text("Anbefalingen er markeret som udført.")).to_be_visible()
    expect(page.get_by_role("main").get_by_text(citizen.masked_cpr)).to_have_count(0)
    steps.logout(page)


def test_the_grant_officer_dismisses_a_recommendation_only_with_a_note(page: Page, product_change: dict):
    _open_the_worklist(page)
    row = page.get_by_test_id("recommendations").get_by_role("row").filter(has_text=product_change["cpr"])
    expect(row).to_contain_text(product_change["name"])
    expect(row).to_contain_text(CHANGE_NOTE)
    expect(row).to_contain_text("2 pr. måned × ")
    expect(row).to_contain_text(product_change["article"])
    expect(row).to_contain_text(f"{NURSE_NAME}, Aarhus Kommune, Sundhed og Omsorg")
    row.get_by_role("link", name="Anbefalet produktskift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anbefaling for {product_change['name']}")

    # Dismissing without a note saves nothing and says why, by the field.
    page.get_by_role("button", name="Afvis").click()
    missing = "Skriv, hvorfor anbefalingen ikke følges."
    expect(page.get_by_role("alert")).to_contain_text(missing)
    expect(page.get_by_label("Bemærkning")).to_have_accessible_description(re.compile(re.escape(missing)))
    expect(page.get_by_test_id("status")).to_have_text("Afventer sagsbehandleren")

    page.get_by_label("Bemærkning").fill("Borgeren har allerede en konveks plade i bevillingen.")
    page.get_by_role("button", name="Afvis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LIST_HEADING)
    expect(page.get_by_text("Anbefalingen er afvist.")).to_be_visible()
    expect(page.get_by_role("main").get_by_text(product_change["cpr"])).to_have_count(0)
    steps.logout(page)
