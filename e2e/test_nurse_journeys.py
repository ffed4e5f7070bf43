"""Journeys of the nurse console (issue 5): an over-grant order approved with a reason, the hospital-to-home handover,
advice in a thread, and a discharge for a CPR number already registered (issue 24, item 1).

The citizens who order are new ones from a discharge (e2e/handover.py), so no other journey's orders change what
is left of their grant; Aase Christensen, whom no other journey asks about, asks the question.
"""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from e2e import handover, steps
from e2e.handover import BAG, PLATE, NewCitizen
from stomi_app.timeutil import local_today

MUNICIPAL_NURSE = "sygeplejerske.aarhus@stomi-demo.dk"
AASE = ("111240-3456", "Aase Christensen")


def _open_task(page: Page, kind: str, citizen_name: str) -> None:
    """From the nurse console's start page: the queue filtered by type, then the citizen's newest task of that type
    (the queue is oldest first)."""
    page.get_by_role("link", name="Åbn arbejdskøen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arbejdskø")
    page.get_by_label("Opgavetype").select_option(label=kind)
    page.get_by_role("button", name="Vis", exact=True).click()
    row = page.get_by_test_id("queue").get_by_role("row").filter(has_text=citizen_name).last
    expect(row).to_contain_text(kind)
    row.get_by_role("link", name=kind).click()


def _take_task(page: Page) -> None:
    page.get_by_role("button", name="Tag opgaven").click()
    expect(page.get_by_text("Opgaven er din. Andre sygeplejersker kan se, at du arbejder på den.")).to_be_visible()


def test_hospital_discharge_becomes_a_grant_and_the_first_order_is_accepted(page: Page):
    citizen = NewCitizen(cpr="120391-1118", name="Signe Bundgaard")
    handover.register_discharge(page, citizen, note="Højt output de første uger.")
    handover.grant_discharge(page, citizen)

    steps.login_citizen(page, citizen.cpr)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine stomiprodukter")
    expect(page.get_by_text(f"Hej {citizen.name}")).to_be_visible()
    products = page.get_by_test_id("my-products")
    expect(products.get_by_role("row").filter(has_text=PLATE)).to_contain_text("2 pr. måned")
    expect(products.get_by_role("row").filter(has_text=BAG)).to_contain_text("3 pr. måned")
    expect(page.get_by_test_id("measure")).to_have_text("Ø 30 mm (bekræftet af en stomisygeplejerske)")

    number = handover.order_as_citizen(page, {PLATE: 1, BAG: 2}, expect_within_grant=True)
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")
    expect(page.get_by_role("row").filter(has_text="Basisplade")).to_contain_text("Ø 30 mm")

    page.get_by_role("link", name="Tilbage til mine stomiprodukter").click()
    expect(page.get_by_test_id("open-orders")).to_contain_text(f"Bestilling {number} – Godkendt")


def test_nurse_approves_an_over_grant_order_with_a_reason_and_the_citizen_sees_it(page: Page):
    citizen = NewCitizen(cpr="050592-1207", name="Henning Overgaard", products=((BAG, 3),))
    handover.new_citizen_with_grant(page, citizen)

    steps.login_citizen(page, citizen.cpr)
    number = handover.order_as_citizen(page, {BAG: 5}, expect_within_grant=False)
    expect(page.get_by_test_id("order-status")).to_have_text("Afventer godkendelse")
    expect(page.get_by_test_id("approval-reasons")).to_contain_text("Link 2-dels pose")
    steps.logout(page)

    steps.login_staff(page, MUNICIPAL_NURSE)
    _open_task(page, "Bestilling til godkendelse", citizen.name)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bestilling {number}")
    expect(page.get_by_test_id("lines")).to_contain_text("Mere end der er tilbage af bevillingen i perioden")
    _take_task(page)
    reason = "Godkendt én gang: ekstra poser de første uger efter operationen."
    decision = page.get_by_test_id("decision")
    decision.get_by_label("Godkend denne bestilling én gang", exact=True).check()
    decision.get_by_label("Begrundelse (borgeren kan læse den)").fill(reason)
    decision.get_by_role("button", name="Gem afgørelsen").click()
    expect(page.get_by_text(f"Bestilling {number} er godkendt.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arbejdskø")
    expect(page.get_by_role("main")).not_to_contain_text(citizen.name)
    steps.logout(page)

    steps.login_citizen(page, citizen.cpr)
    page.get_by_test_id("open-orders").get_by_role("link", name=f"Bestilling {number}").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")
    expect(page.get_by_text(f"Begrundelse: {reason}")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Afventer godkendelse")


def test_citizen_asks_a_question_and_the_nurse_answers_in_the_thread(page: Page):
    cpr, name = AASE
    question = "Min basisplade klør efter badet. Skal jeg skifte klæber? (e2e-spørgsmål)"
    answer = "Dup huden tør og brug barrierefilm før pladen. Skriv igen, hvis det ikke hjælper."

    steps.login_citizen(page, cpr)
    page.get_by_role("link", name="Spørg en stomisygeplejerske").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spørg en stomisygeplejerske")
    page.get_by_label("Dit spørgsmål").fill(question)
    page.get_by_role("button", name="Send mit spørgsmål").click()
    expect(page.get_by_text("Dit spørgsmål er sendt.", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit spørgsmål til en stomisygeplejerske")
    expect(page.get_by_test_id("advice-status")).to_have_text("Venter på en stomisygeplejerske")
    expect(page.get_by_test_id("thread")).to_contain_text(question)
    steps.logout(page)

    steps.login_staff(page, MUNICIPAL_NURSE)
    _open_task(page, "Spørgsmål om rådgivning", name)
    expect(page.get_by_role("heading", level=1)).to_have_text("Spørgsmål om rådgivning")
    expect(page.get_by_test_id("thread")).to_contain_text(question)
    _take_task(page)
    page.get_by_label("Dit svar").fill(answer)
    page.get_by_role("button", name="Send svaret").click()
    expect(page.get_by_text("Dit svar er sendt. Borgeren får besked på sin forside.")).to_be_visible()
    steps.logout(page)

    steps.login_citizen(page, cpr)
    page.get_by_test_id("new-answer").get_by_role("link", name="Du har fået svar fra en stomisygeplejerske.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spørg en stomisygeplejerske")
    mine = page.get_by_test_id("questions").get_by_role("listitem").filter(has_text="Min basisplade klør").filter(has_text="Nyt svar")
    expect(mine).to_have_count(1)
    mine.get_by_role("link").click()
    expect(page.get_by_test_id("advice-status")).to_have_text("Besvaret")
    thread = page.get_by_test_id("thread")
    expect(thread).to_contain_text(question)
    expect(thread).to_contain_text("Stomisygeplejerske Mette Lauridsen")
    expect(thread).to_contain_text(answer)


def _discharge_again(page: Page, citizen: NewCitizen, name: str, *, diameter_mm: int) -> None:
    """The hospital nurse fills in a discharge for a CPR number already registered: another stoma type and measure."""
    page.get_by_label("CPR-nummer").fill(citizen.cpr)
    page.get_by_label("Fulde navn").fill(name)
    page.get_by_label("Stomitype").select_option(label="Ileostomi")
    page.get_by_label("Operationsdato").fill((local_today() - timedelta(days=5)).isoformat())
    for index, (article, packs) in enumerate(citizen.products, start=1):
        page.get_by_label(f"Varenummer, linje {index}").fill(article)
        page.get_by_label(f"Pakker om måneden, linje {index}").fill(str(packs))
    page.get_by_label("Diameter i mm").fill(str(diameter_mm))
    page.get_by_role("button", name="Registrér udskrivelsen").click()


def test_a_discharge_for_a_registered_cpr_is_confirmed_and_its_changes_proposed_to_the_citizens_own_nurse(page: Page):
    """Issue 24, item 1: a wrong name is refused, the right one shows the person masked, and the profile changes
    only when a nurse of the citizen's own care accepts."""
    citizen = NewCitizen(cpr="140895-1322", name="Ditte Søgaard")
    handover.register_discharge(page, citizen)  # colostomy, Ø 30 mm

    steps.login_staff(page, handover.HOSPITAL_NURSE)
    page.get_by_role("main").get_by_role("link", name="Registrér en udskrivelse").click()
    _discharge_again(page, citizen, "Hvem som helst", diameter_mm=33)
    expect(page.locator("#name-error")).to_contain_text(
        "Navnet passer ikke til den borger, der er registreret med CPR-nummeret. Kontrollér CPR-nummeret og navnet.")
    expect(page.get_by_test_id("confirm-identity")).to_have_count(0)

    page.get_by_label("Fulde navn").fill("ditte  SØGAARD")
    page.get_by_role("button", name="Registrér udskrivelsen").click()
    expect(page.get_by_test_id("confirm-identity")).to_contain_text("D*** S***, født 14.08.1995, bosat i Aarhus")
    page.get_by_label("Ja, det er den borger, der udskrives").check()
    page.get_by_role("button", name="Registrér udskrivelsen").click()
    expect(page.get_by_text("Borgeren var allerede registreret", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(citizen.name)
    expect(page.get_by_test_id("stoma")).to_contain_text("Kolostomi")  # not written over
    expect(page.get_by_test_id("current-measure")).to_contain_text("Ø 30 mm")
    expect(page.get_by_test_id("proposals")).to_contain_text("Aarhus Universitetshospital")
    steps.logout(page)

    steps.login_staff(page, MUNICIPAL_NURSE)
    _open_task(page, "Ændringer foreslået ved en udskrivelse", citizen.name)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ændringer foreslået ved en udskrivelse")
    expect(page.get_by_test_id("proposal-measure")).to_contain_text("Ø 30 mm")
    expect(page.get_by_test_id("proposal-measure")).to_contain_text("Ø 33 mm")
    expect(page.get_by_test_id("proposal-stoma")).to_contain_text("Ileostomi")
    _take_task(page)
    decision = page.get_by_test_id("decision")
    decision.get_by_label("Godkend ændringerne: borgerens profil opdateres").check()
    decision.get_by_role("button", name="Gem afgørelsen").click()
    expect(page.get_by_text("Ændringerne er godkendt: profilen er opdateret.")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Find en borger").click()
    page.get_by_label("CPR-nummer eller navn").fill(citizen.cpr)
    page.get_by_role("main").get_by_role("button", name="Søg").click()
    page.get_by_test_id("found").get_by_role("link", name=citizen.name).click()
    expect(page.get_by_test_id("stoma")).to_contain_text("Ileostomi")
    expect(page.get_by_test_id("current-measure")).to_contain_text("Ø 33 mm")
    expect(page.get_by_test_id("proposals")).to_have_count(0)
