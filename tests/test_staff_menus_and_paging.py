"""Issue 24, items 13 and 16: every staff audience has one menu with the current page marked, a capped search says
it is capped, the audit log is paged and exported, and pages with several forms repeat no id."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from stomi_app import audit
from care import nursing
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Role
from stomi_app.navigation import staff_menu
from stomi_app.paging import Capped, clamp, page_numbers
from tests import factories


def _menu(html: str) -> list[tuple[str, bool]]:
    nav = re.search(r'<nav[^>]*data-testid="staff-menu".*?</nav>', html, re.S)
    assert nav, "no staff menu on the page"
    return [(label.strip(), "aria-current" in attrs)
            for attrs, label in re.findall(r"<a ([^>]*)>([^<]*)</a>", nav.group(0))]


def test_the_grant_officer_menu_has_statistics_and_invoices_and_keeps_on_those_pages(world, auth, client):
    auth.staff("officer.aarhus@test.dk")
    for url, current in [("/kommune/", "Start"), ("/kommune/fakturaer", "Fakturaer"),
                         ("/kommune/statistik/751", "Statistik"), ("/kommune/borgere", "Find en borger")]:
        response = client.get(url)
        assert response.status_code == 200, url
        menu = _menu(response.get_data(as_text=True))
        labels = [label for label, _ in menu]
        assert "Statistik" in labels and "Fakturaer" in labels and "Udskrivelser" in labels, (url, labels)
        assert [label for label, is_current in menu if is_current] == [current], url


def test_the_citizens_page_marks_find_a_citizen_as_current(world, auth, client):
    auth.staff("officer.aarhus@test.dk")
    html = client.get(f"/kommune/borger/{world['citizen'].id}").get_data(as_text=True)
    assert [label for label, is_current in _menu(html) if is_current] == ["Find en borger"]


def test_the_administrator_has_a_menu_on_every_admin_page(world, auth, client):
    auth.staff("admin@test.dk")
    for url, current in [("/admin/", "Start"), ("/admin/fakturering", "Fakturering"), ("/admin/gebyrer", "Gebyrperioder"),
                         ("/admin/revision", "Revisionslog"), ("/katalog/admin/", "Administration af sortimentet")]:
        response = client.get(url)
        assert response.status_code == 200, url
        menu = _menu(response.get_data(as_text=True))
        assert len(menu) >= 7, url
        assert [label for label, is_current in menu if is_current] == [current], (url, menu)


def test_each_staff_role_has_a_menu_and_a_citizen_none(world, app):
    manager = factories.user(Role.MUNICIPAL_MANAGER, "leder@test.dk", municipality_code=751)
    db.session.commit()
    with app.test_request_context("/"):
        for role in (Role.NURSE, Role.GRANT_OFFICER, Role.CALLCENTER, Role.FSC_ADMIN, Role.WAREHOUSE):
            assert staff_menu(world[role], endpoint="x"), role
        reports = staff_menu(manager, endpoint="municipal_portal.statistics_report_document")
        assert [entry["url"] for entry in reports] == ["/kommune/statistik", "/kommune/statistik/751/rapporter"]
        assert [entry["current"] for entry in reports] == [False, True]
        assert staff_menu(world["citizen"], endpoint="citizen_portal.start") == []
        # A municipal nurse does not register discharges; a hospital nurse does.
        municipal = [e["url"] for e in staff_menu(world[Role.NURSE], endpoint="x", is_hospital_nurse=False)]
        hospital = [e["url"] for e in staff_menu(world[Role.NURSE], endpoint="x", is_hospital_nurse=True)]
        assert "/sygeplejerske/udskrivelse" not in municipal and "/sygeplejerske/udskrivelse" in hospital


def test_the_municipal_search_says_when_it_shows_only_the_first_50(world, auth, client):
    for n in range(62):
        factories.citizen(name=f"Anna Testesen {n:02d}")
    db.session.commit()
    auth.staff("officer.aarhus@test.dk")
    html = client.post("/kommune/borgere", data={"q": "testesen"}, follow_redirects=True).get_data(as_text=True)
    count = re.search(r'data-testid="result-count">([^<]*)<', html).group(1)
    assert count == "Viser de første 50 af 62 – skriv mere for at indsnævre søgningen."
    html = client.post("/kommune/borgere", data={"q": "Testesen 0"}, follow_redirects=True).get_data(as_text=True)
    assert re.search(r'data-testid="result-count">([^<]*)<', html).group(1) == "Fundne borgere: 10"


def test_the_nurse_search_counts_all_that_match_when_it_stops_at_the_limit(world, auth, client):
    for n in range(7):
        factories.citizen(name=f"Bo Hansen {n}")
    db.session.commit()
    found = nursing.search_citizens(world[Role.NURSE], "hansen", limit=5)
    assert isinstance(found, Capped) and len(found) == 5 and found.total == 7 and found.capped
    assert nursing.search_citizens(world[Role.NURSE], "hansen 6", limit=5).total == 1
    auth.staff("nurse@test.dk")
    html = client.post("/sygeplejerske/borgere", data={"q": "hansen"}, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="found-capped"' not in html  # 7 of a limit of 50: all shown, nothing to say


def test_the_audit_log_is_paged_newest_first(world, auth, client):
    for n in range(230):
        audit.record(world[Role.NURSE], "read", f"Opslag {n:03d}", citizen=world["citizen"])
    db.session.commit()
    auth.staff("admin@test.dk")  # the sign-in is an audit event too
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    first = client.get("/admin/revision").get_data(as_text=True)
    assert f"Viser hændelse 1–100 af {total}." in first
    assert "Opslag 229" in first and "Opslag 129" not in first
    assert 'aria-label="Side 3"' in first and 'rel="next" aria-label="Næste"' in first
    third = client.get("/admin/revision?page=3").get_data(as_text=True)
    assert f"Viser hændelse 201–{total} af {total}." in third and "Opslag 000" in third and "Opslag 229" not in third
    assert f"Viser hændelse 201–{total} af {total}." in client.get("/admin/revision?page=99").get_data(as_text=True)


def test_the_audit_log_search_is_exported_as_csv_and_the_export_audited(world, auth, client):
    audit.record(world[Role.NURSE], "read", "=HYPERLINK(\"x\")", citizen=world["citizen"])
    audit.record(world[Role.CALLCENTER], "read", "Andens opslag", citizen=world["citizen_odense"])
    db.session.commit()
    auth.staff("admin@test.dk")
    client.post("/admin/revision", data={"cpr": "150348-1234"})
    response = client.get("/admin/revision/eksport.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Hvornår;Hvem;Rolle;Handling;Borger;Formål;Detalje;Handlingskode;Formålskode"
    assert "'=HYPERLINK" in text and "Andens opslag" not in text and "1503481234" not in text
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(exports) == 1 and exports[0].citizen_id == world["citizen"].id


def test_paging_helpers():
    assert clamp(0, 0, 100).page == 1 and clamp(5, 250, 100).page == 3
    page = clamp(2, 250, 100)
    assert (page.offset, page.first, page.last, page.has_prev, page.has_next) == (100, 101, 200, True, True)
    assert page_numbers(5, 9) == [1, None, 4, 5, 6, None, 9]


def test_a_page_with_several_forms_repeats_no_csrf_id(world, auth, client):
    auth.staff("nurse@test.dk")
    html = client.get(f"/sygeplejerske/borger/{world['citizen'].id}").get_data(as_text=True)
    assert html.count('name="csrf_token"') > 2
    assert 'id="csrf_token"' not in html


def test_the_api_documentation_is_english_and_says_so(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert '<html lang="en">' in html and "Endpoints" in html


def test_the_staff_login_field_autocompletes_an_email(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'type="email"' in html and 'autocomplete="email"' in html and 'autocomplete="username"' not in html
