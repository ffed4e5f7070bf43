"""The SMS and Digital Post adapters: a provider plugged in by setting, the same health-free words on every channel,
a provider's refusal retried; the development adapters only log (not connected to a provider)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from notices.channels import ChannelError
from notices.models import DeliveryStatus, NoticeDelivery
from notices.sending import send_due
from notices.services import notify, save_preferences
from notices.texts import Kind
from stomi_app.cli import main
from stomi_app.extensions import db
from tests import factories

SENT: list = []


class RecordingSms:
    """A provider adapter as a real one would be written: built with the config, raises ChannelError on refusal."""

    refuse = False

    def __init__(self, config):
        self.config = config

    def send(self, to, message):
        if RecordingSms.refuse:
            raise ChannelError("gateway answered 503")
        SENT.append((to, message))


def test_a_plugged_in_sms_provider_gets_the_number_and_only_the_health_free_words(app, emailed, monkeypatch):
    SENT.clear()
    monkeypatch.setitem(app.config, "NOTICE_SMS_PROVIDER", "tests.notices.test_channels:RecordingSms")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://stomi.example.dk")
    save_preferences(emailed, email_on=False, sms_on=True, digital_post_on=False, email="", mobile="20304050",
                     language="da")
    notice = notify(emailed, Kind.ORDER_REJECTED, "order:1:order_rejected",
                    params={"number": "0000001", "reason": "Ileostomi med højt output"})
    db.session.commit()
    assert send_due().sent == 1
    [(to, message)] = SENT
    assert to == "20304050"
    assert message.sms == ("Du har fået en ny besked om dine stomiprodukter. Log ind for at læse den: "
                           f"https://stomi.example.dk/borger/beskeder/{notice.id}")
    assert "Ileostomi" not in message.sms and "0000001" not in message.sms


def test_a_provider_that_refuses_is_retried(app, emailed, monkeypatch):
    monkeypatch.setitem(app.config, "NOTICE_SMS_PROVIDER", "tests.notices.test_channels:RecordingSms")
    monkeypatch.setattr(RecordingSms, "refuse", True)
    save_preferences(emailed, email_on=False, sms_on=True, digital_post_on=False, email="", mobile="20304050",
                     language="da")
    notify(emailed, Kind.GRANT_CREATED, "grant:1:v1")
    db.session.commit()
    assert send_due().failed == 1
    row = db.session.scalar(select(NoticeDelivery))
    assert row.status is DeliveryStatus.PENDING and row.last_error == "gateway answered 503"
    monkeypatch.setattr(RecordingSms, "refuse", False)
    assert send_due(now=row.next_attempt_at + timedelta(seconds=1)).sent == 1


def test_the_development_adapters_only_log_and_never_count_as_sent(app, emailed, caplog):
    save_preferences(emailed, email_on=False, sms_on=True, digital_post_on=True, email="", mobile="20304050",
                     language="da")
    notify(emailed, Kind.GRANT_CREATED, "grant:1:v1")
    db.session.commit()
    with caplog.at_level("INFO", logger="stomi.notices"):
        report = send_due()
    assert report.sent == 0 and report.skipped == 2
    assert {d.last_error for d in db.session.scalars(select(NoticeDelivery))} == {
        "SMS: no provider connected", "Digital Post: no provider connected"}
    assert "SMS not sent (no provider connected)" in caplog.text
    assert "Digital Post not sent (no provider connected)" in caplog.text
    assert "1503481234" not in caplog.text  # the CPR number is never logged


def test_a_channel_without_an_address_when_its_turn_comes_is_skipped(app, emailed):
    notify(emailed, Kind.GRANT_CREATED, "grant:1:v1")
    emailed.email = None  # removed after the notice was written
    db.session.commit()
    report = send_due()
    assert report.skipped == 2  # no e-mail address any more; Digital Post not connected
    statuses = {d.channel: d.status for d in db.session.scalars(select(NoticeDelivery))}
    assert statuses == {"email": DeliveryStatus.SKIPPED, "digital_post": DeliveryStatus.SKIPPED}
    assert db.session.scalar(select(NoticeDelivery.last_error).where(NoticeDelivery.channel == "email")) == (
        "no address for the channel")


def test_reminder_days_per_municipality_from_the_command_line(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["notices", "reminder-days", "--municipality", "751", "--days", "14"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert factories.municipality(751).reminder_days_before == 14
    assert runner.invoke(main, ["notices", "reminder-days", "--municipality", "751", "--days", "0"]).exit_code != 0
    assert runner.invoke(main, ["notices", "reminder-days", "--municipality", "9999", "--days", "5"]).exit_code != 0
