"""What a person sees on every page and on the ordering steps (issue 19 items 14 and 15): a favicon, an icon in every
alert, Back/Next in one row, the temporary address revealed only when chosen, the agent's wording, the search box."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tests.fixtures.grants import grant_for, line

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [p for p in ROOT.glob("*/templates/**/*.html")] + list((ROOT / "stomi_app" / "templates").rglob("*.html"))


def test_the_favicon_is_served_and_linked_so_no_page_logs_a_404(client, world):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    page = client.get("/tilgaengelighed").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(href).status_code == 200


def test_every_alert_in_every_template_shows_the_icon_dkfds_leaves_room_for():
    opening = re.compile(r'<div class="alert alert-[a-z{ }]+[^>]*>')
    missing = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for match in opening.finditer(text):
            before_body = text[match.end():].split("alert-body", 1)[0]
            if "alert_icon(" not in before_body:
                missing.append(f"{path.relative_to(ROOT)}:{text[:match.start()].count(chr(10)) + 1}")
    assert not missing, missing


def _delivery(client, url):
    html = client.get(url).get_data(as_text=True)
    assert 'id="temporary-address"' in html
    return html


def test_the_citizens_delivery_step_reveals_the_temporary_address_only_when_chosen(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    assert auth.citizen("150348-1234").status_code == 302
    client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "1"})
    html = _delivery(client, "/borger/bestil/levering")
    # DKFDS's radio toggle: the "temporary" option controls the fieldset; "home" controls nothing.
    assert re.search(r'<ul class="nobullet-list js-radio-toggle-group">', html)
    temporary = re.search(r'<input[^>]*value="temporary"[^>]*>', html).group(0)
    assert re.search(r'<fieldset class="radio-content[^"]*" id="temporary-address"', html)  # hidden by DKFDS when not chosen
    assert 'data-controls="#temporary-address"' in temporary and 'aria-controls="temporary-address"' in temporary
    assert "data-controls" not in re.search(r'<input[^>]*value="home"[^>]*>', html).group(0)
    # Back and Next in one row.
    assert re.search(r'<div class="button-group">\s*<a class="button button-secondary"[^>]*>Tilbage</a>\s*<button', html)


def test_the_agents_delivery_step_names_the_citizen_not_you(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    agent_client.post(f"/callcenter/borger/{consenting.id}/bestil", data={f"qty-{shop.bag_a.id}": "1"})
    html = _delivery(agent_client, f"/callcenter/borger/{consenting.id}/bestil/levering")
    assert "Navn på pakken (hvis ikke borgerens)" in html and "hvis ikke dit" not in html
    assert 'data-controls="#temporary-address"' in html


def test_the_agents_order_form_gives_the_article_number_once(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    html = agent_client.get(f"/callcenter/borger/{consenting.id}/bestil").get_data(as_text=True)
    label = re.search(rf'<label class="form-label" for="qty-{shop.bag_a.id}">([^<]*)</label>', html).group(1)
    assert label.count("NL-100") == 1, label


def test_the_callcenter_search_box_keeps_a_name_search_but_never_a_cpr_number(agent_client, consenting):
    page = agent_client.post("/callcenter/", data={"q": "birthe"}, follow_redirects=True).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="q"[^>]*value="birthe"', page)
    page = agent_client.post("/callcenter/", data={"q": "1503481234"}, follow_redirects=True)
    back = agent_client.get("/callcenter/").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="q"[^>]*value=""', back)
    assert "1503481234" not in back and "150348-1234" not in back


def test_the_note_to_the_driver_is_asked_on_the_delivery_step_and_shown_on_the_check_step(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    assert auth.citizen("150348-1234").status_code == 302
    client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "1"})
    assert "Besked til chaufføren (valgfri)" in client.get("/borger/bestil/levering").get_data(as_text=True)
    too_long = client.post("/borger/bestil/levering", data={"address_choice": "home", "speed": "normal", "driver_note": "x" * 201})
    assert too_long.status_code == 422 and 'href="#driver_note"' in too_long.get_data(as_text=True)
    ok = client.post("/borger/bestil/levering", data={"address_choice": "home", "speed": "normal", "driver_note": "Ved bagdøren"})
    assert ok.status_code == 302
    assert "Besked til chaufføren: Ved bagdøren" in client.get("/borger/bestil/tjek").get_data(as_text=True)
    assert 'value="Ved bagdøren"' in client.get("/borger/bestil/levering").get_data(as_text=True)


def test_the_accessibility_statement_has_the_agencys_sections_and_a_feedback_link(client, world):
    html = client.get("/tilgaengelighed").get_data(as_text=True)
    for heading in ("Overholdelsesstatus", "Indhold, der ikke er tilgængeligt", "Udarbejdelse af denne tilgængelighedserklæring",
                    "Feedback og kontaktoplysninger", "Håndhævelsesprocedure"):
        assert f">{heading}</h2>" in html, heading
    assert "lov nr. 692 af 8. juni 2018" in html and "delvist" in html
    assert re.search(r'<a href="mailto:tilgaengelighed@stomi\.example\.dk\?subject=Tilg%C3%A6ngelighed" data-testid="feedback-link">', html)
    assert 'href="https://www.was.digst.dk/"' in html


def test_my_data_can_be_printed_or_saved_as_pdf(auth, client, world):
    assert auth.citizen("150348-1234").status_code == 302
    html = client.get("/borger/mine-data/oversigt").get_data(as_text=True)
    button = r'<button type="button" class="button button-secondary" data-print hidden data-testid="print">'
    assert re.search(button + "Udskriv eller gem som PDF</button>", html)
    assert "window.print" in (ROOT / "stomi_app" / "static" / "js" / "app.js").read_text()
