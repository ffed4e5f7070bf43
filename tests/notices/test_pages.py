"""The notice pages over HTTP: the inbox (opening marks read, another's notice is a 404), the preferences with
messages at the field and nothing saved half-way, "order the same again", and the callcenter's audited view."""
from __future__ import annotations

import time_machine
from sqlalchemy import select

from notices.models import NoticePreferences
from notices.services import notify
from notices.texts import Kind
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Role
from grants.models import GrantPeriod
from ordering.models import Order, OrderStatus
from tests import factories
from tests.fixtures.grants import grant_for, line
from tests.fixtures.orders import copenhagen, place
from tests.notices.test_reminders import DELIVERED, ORDERED, REMINDER_DAY, deliver


def login_birthe(auth):
    assert auth.citizen("150348-1234").status_code == 302


def test_inbox_shows_new_messages_and_opening_one_marks_it_read(auth, client, emailed, world):
    notice = notify(emailed, Kind.GRANT_CHANGED, "grant:1:v2")
    jens = notify(world["citizen_odense"], Kind.GRANT_CHANGED, "grant:2:v2")
    db.session.commit()
    login_birthe(auth)
    start = client.get("/borger/").get_data(as_text=True)
    assert "Beskeder" in start and 'data-testid="unread-count">1 ny<' in start
    inbox = client.get("/borger/beskeder").get_data(as_text=True)
    assert "Din bevilling er ændret" in inbox and 'data-testid="unread"' in inbox
    page = client.get(f"/borger/beskeder/{notice.id}")
    assert page.status_code == 200 and "Din bevilling er ændret" in page.get_data(as_text=True)
    db.session.refresh(notice)
    first_read = notice.read_at
    assert first_read is not None
    assert 'data-testid="unread"' not in client.get("/borger/beskeder").get_data(as_text=True)
    client.get(f"/borger/beskeder/{notice.id}")
    db.session.refresh(notice)
    assert notice.read_at == first_read  # the first reading is kept
    # Another citizen's notice, and one that does not exist, are the same 404.
    assert client.get(f"/borger/beskeder/{jens.id}").status_code == 404
    assert client.get("/borger/beskeder/99999999").status_code == 404
    db.session.refresh(jens)
    assert jens.read_at is None


def test_preferences_default_to_email_and_digital_post_in_big_letter_style(auth, client, emailed):
    login_birthe(auth)
    html = client.get("/borger/beskeder/indstillinger").get_data(as_text=True)
    assert '<input checked class="form-checkbox" id="email_on"' in html
    assert '<input checked class="form-checkbox" id="digital_post_on"' in html
    assert '<input class="form-checkbox" id="sms_on"' in html
    assert "birthe@example.dk" in html


def test_bad_email_and_mobile_get_their_message_at_the_field_and_nothing_is_saved(auth, client, emailed):
    login_birthe(auth)
    response = client.post("/borger/beskeder/indstillinger", data={
        "email_on": "y", "sms_on": "y", "email": "birthe@", "mobile": "12 34", "language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "Skriv en e-mailadresse som navn@eksempel.dk." in html
    assert 'id="mobile-error"' in html and "Skriv et dansk mobilnummer på 8 cifre" in html
    db.session.refresh(emailed)
    assert emailed.email == "birthe@example.dk" and emailed.language == "da"
    assert db.session.get(NoticePreferences, emailed.id) is None


def test_sms_without_a_number_and_nasty_input(auth, client, emailed):
    login_birthe(auth)
    response = client.post("/borger/beskeder/indstillinger", data={"sms_on": "y", "email": "", "mobile": "",
                                                                    "language": "da"})
    assert response.status_code == 422
    assert "Skriv dit mobilnummer, eller fjern fluebenet ved SMS." in response.get_data(as_text=True)
    response = client.post("/borger/beskeder/indstillinger", data={"email": "", "mobile": "", "language": "xx"})
    assert response.status_code == 422 and "Vælg en af mulighederne." in response.get_data(as_text=True)
    for hostile in ("<script>alert(1)</script>@x.dk", "a" * 300 + "@example.dk", "\x00@x.dk"):
        response = client.post("/borger/beskeder/indstillinger", data={"email_on": "y", "email": hostile, "language": "da"})
        assert response.status_code == 422
        assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_saving_channels_number_and_language(auth, client, emailed):
    login_birthe(auth)
    response = client.post("/borger/beskeder/indstillinger", data={
        "sms_on": "y", "digital_post_on": "y", "email": "Birthe@Example.DK", "mobile": "+45 20 30 40 50", "language": "en"})
    assert response.status_code == 302
    db.session.refresh(emailed)
    prefs = db.session.get(NoticePreferences, emailed.id)
    assert (prefs.email, prefs.sms, prefs.digital_post) == (False, True, True)
    assert emailed.phone == "20304050" and emailed.language == "en"
    assert emailed.email == "Birthe@example.dk"  # the domain is case-insensitive, the local part kept


def test_the_reminder_opens_a_prefilled_draft_to_confirm(auth, client, emailed, shop, officer):
    grant_for(officer, emailed, line(30, GrantPeriod.QUARTER, variant=shop.bag_a))
    deliver(place(emailed, {shop.bag_a: 10}, ORDERED), DELIVERED)
    with time_machine.travel(copenhagen(REMINDER_DAY), tick=False):
        from notices.reminders import remind

        notice = remind(emailed, REMINDER_DAY)
        db.session.commit()
        login_birthe(auth)
        page = client.get(f"/borger/beskeder/{notice.id}").get_data(as_text=True)
        assert "Bestil det samme igen" in page and "5. februar 2026" in page
        response = client.post(f"/borger/beskeder/{notice.id}/bestil")
        assert response.status_code == 302 and response.headers["Location"].endswith("/borger/bestil/tjek")
        check = client.get("/borger/bestil/tjek").get_data(as_text=True)
        assert "Calma lukket pose" in check
    newest = db.session.scalar(select(Order).where(Order.citizen_id == emailed.id).order_by(Order.id.desc()).limit(1))
    assert newest.status is OrderStatus.DRAFT  # nothing sent until she confirms


def test_reorder_from_a_notice_that_is_no_reminder_is_a_404(auth, client, emailed):
    notice = notify(emailed, Kind.GRANT_CHANGED, "grant:1:v2")
    db.session.commit()
    login_birthe(auth)
    assert client.post(f"/borger/beskeder/{notice.id}/bestil").status_code == 404


def test_the_callcenter_sees_what_we_told_her_and_the_look_is_audited(auth, client, emailed, world):
    notify(emailed, Kind.ORDER_REJECTED, "order:5:order_rejected", params={"number": "0000005", "reason": "For tidligt"})
    db.session.commit()
    assert auth.staff(factories.STAFF[Role.CALLCENTER][0]).status_code == 302
    html = client.get(f"/callcenter/borger/{emailed.id}/beskeder").get_data(as_text=True)
    assert "Din bestilling 0000005 blev ikke godkendt" in html and "For tidligt" in html
    assert "E-mail: venter på at blive sendt" in html
    agent = world[Role.CALLCENTER]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == agent.id, AuditEvent.citizen_id == emailed.id,
                                                      AuditEvent.purpose == "callcenter: notices"))
    overview = client.get(f"/callcenter/borger/{emailed.id}").get_data(as_text=True)
    assert "Hvad har vi fortalt borgeren?" in overview
    assert "Din bestilling 0000005 blev ikke godkendt (ikke læst endnu)" in overview
    looks = db.session.scalars(select(AuditEvent.purpose).where(AuditEvent.user_id == agent.id,
                                                               AuditEvent.citizen_id == emailed.id)).all()
    # The overview's five latest are part of the overview, whose opening is the audited read (one row, not two).
    assert looks.count("callcenter: notices") == 1 and "callcenter: citizen overview" in looks
    assert client.get("/callcenter/borger/99999999/beskeder").status_code == 404
    assert client.get("/callcenter/paamindelser").status_code == 200


def test_download_my_data_holds_the_messages(auth, client, emailed):
    notify(emailed, Kind.GRANT_CHANGED, "grant:1:v2")
    db.session.commit()
    login_birthe(auth)
    import json

    data = json.loads(client.get("/borger/mine-data/download.json").get_data(as_text=True))
    assert [m["title"] for m in data["messages"]] == ["Din bevilling er ændret"]
    assert {d["channel"] for d in data["messages"][0]["told_by"]} == {"email", "digital_post"}


def test_the_preferences_form_never_500s_on_hostile_input(auth, client, emailed):
    from hypothesis import HealthCheck, given, settings, strategies as st

    from tests.test_fuzz_forms import HOSTILE

    login_birthe(auth)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({name: HOSTILE for name in ("email_on", "sms_on", "digital_post_on", "email", "mobile",
                                                            "language")}))
    def post(data):
        response = client.post("/borger/beskeder/indstillinger", data=data)
        assert response.status_code in (302, 422), (data, response.status_code)

    post()
