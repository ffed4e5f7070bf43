"""Notices delivered over real SMTP to a local server the test starts (aiosmtpd): subject, language, the link, no
health detail; a server that is down is retried with backoff and the order is unaffected; two senders send once."""
from __future__ import annotations

import email
import socket
import threading
from datetime import date, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from notices.models import DeliveryStatus, Notice, NoticeDelivery
from notices.sending import send_due
from notices.services import notify
from notices.texts import Kind
from stomi_app.db import utcnow
from stomi_app.extensions import db
from ordering.models import OrderStatus
from ordering.models import OrderStatus
from tests.fixtures.grants import grant_for, line
from tests.fixtures.orders import place

DAY = date(2026, 3, 10)


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://stomi.example.dk")
    handler.port = port
    yield handler
    controller.stop()


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_the_mail_says_there_is_a_message_in_her_language_with_the_link_and_nothing_about_her_health(emailed, shop, officer, smtp):
    grant_for(officer, emailed, line(2, variant=shop.bag_a))
    order = place(emailed, {shop.bag_a: 5}, DAY)  # beyond the grant: the notice itself says why
    notice_id = db.session.scalar(select(NoticeDelivery.notice_id).where(NoticeDelivery.channel == "email")
                                  .order_by(NoticeDelivery.id.desc()).limit(1))
    report = send_due()
    assert report.sent >= 1 and report.failed == 0
    recipients, message = smtp.messages[-1]
    assert recipients == ["birthe@example.dk"]
    assert message["Subject"] == "Ny besked om dine stomiprodukter"  # Danish: the citizen's language
    text, html = parts(message)
    link = f"https://stomi.example.dk/borger/beskeder/{notice_id}"
    assert link in text and f'href="{link}"' in html
    assert "Kære Birthe Nielsen" in text and 'lang="da"' in html
    assert "font-size:20px" in html  # letter-like, large
    for health_detail in (shop.bag_a.display_name, "pose", "bevilling", "godkend", order.number, "NL-100"):
        assert health_detail not in text and health_detail not in html
    delivery = db.session.scalar(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice_id,
                                                              NoticeDelivery.channel == "email"))
    assert delivery.status is DeliveryStatus.SENT and delivery.recipient == "birthe@example.dk"


def test_english_when_she_chose_english(emailed, smtp):
    emailed.language = "en"
    notify(emailed, Kind.GRANT_CREATED, "grant:1:v1")
    db.session.commit()
    send_due()
    _, message = smtp.messages[-1]
    assert message["Subject"] == "New message about your stoma supplies"
    text, html = parts(message)
    assert "Dear Birthe Nielsen" in text and "Log in to read it" in text and 'lang="en"' in html


def test_smtp_down_is_retried_with_backoff_and_the_order_is_unaffected(app, emailed, shop, officer, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "NOTICE_BACKOFF_SECONDS", 60)
    grant_for(officer, emailed, line(10, variant=shop.bag_a))
    order = place(emailed, {shop.bag_a: 1}, DAY)
    started = utcnow()
    first = send_due()
    # The grant's notice and the order's: e-mail failed; Digital Post has no provider connected (not sent either).
    assert first.sent == 0 and first.failed == 2 and first.skipped == 2
    mail_row = db.session.scalar(select(NoticeDelivery).join(Notice).where(NoticeDelivery.channel == "email",
                                                                           Notice.order_id == order.id))
    assert mail_row.status is DeliveryStatus.PENDING and mail_row.attempts == 1
    assert "SMTP" in mail_row.last_error
    assert started + timedelta(seconds=59) < mail_row.next_attempt_at < started + timedelta(seconds=70)
    db.session.refresh(order)
    assert order.status is OrderStatus.ACCEPTED
    assert send_due().sent == 0  # not due yet: nothing is tried again before the backoff
    # The second failure waits twice as long.
    second_try = mail_row.next_attempt_at + timedelta(seconds=1)
    send_due(now=second_try)
    db.session.refresh(mail_row)
    assert mail_row.attempts == 2
    wait = mail_row.next_attempt_at - second_try
    assert timedelta(seconds=115) < wait < timedelta(seconds=135)
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)  # the server is back
    assert send_due(now=mail_row.next_attempt_at + timedelta(minutes=10)).sent == 2  # both waiting mails
    db.session.refresh(mail_row)
    assert mail_row.status is DeliveryStatus.SENT and mail_row.attempts == 3
    assert len(smtp.messages) == 2  # the order's and the grant's, once each


def test_gives_up_after_the_last_attempt_and_the_notice_stays_in_the_inbox(app, emailed, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    monkeypatch.setitem(app.config, "NOTICE_MAX_ATTEMPTS", 2)
    notice = notify(emailed, Kind.GRANT_CREATED, "grant:2:v1")
    db.session.commit()
    send_due()
    row = db.session.scalar(select(NoticeDelivery).where(NoticeDelivery.channel == "email"))
    report = send_due(now=row.next_attempt_at + timedelta(seconds=1))
    db.session.refresh(row)
    assert report.gave_up == 1 and row.status is DeliveryStatus.FAILED
    assert db.session.get(type(notice), notice.id) is not None


@pytest.mark.committing
def test_two_senders_at_once_send_each_mail_once(app, emailed, smtp):
    for n in range(12):
        notify(emailed, Kind.GRANT_CHANGED, f"grant:3:v{n}")
    db.session.commit()
    errors = []

    def sender():
        try:
            with app.app_context():
                send_due()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(smtp.messages) == 12
    assert db.session.scalar(select(NoticeDelivery.id).where(NoticeDelivery.channel == "email",
                                                             NoticeDelivery.status != DeliveryStatus.SENT)) is None
    # And a third run later finds nothing left to send.
    assert send_due().sent == 0 and len(smtp.messages) == 12
