"""The notices on the job queue (stomi_app.jobs, synchronous in tests, on the machine's Redis): a commit that wrote
notices wakes the sender, the nightly slot holds the reminder run, and the commands do the same from the shell."""
from __future__ import annotations

from sqlalchemy import select

from notices.models import DeliveryStatus, Notice, NoticeDelivery
from notices.services import notify
from notices.texts import Kind
from stomi_app import jobs
from stomi_app.cli import main
from stomi_app.extensions import db
from tests.notices.test_reminders import REMINDER_DAY, supplied  # noqa: F401  (fixture)
from tests.notices.test_smtp import smtp  # noqa: F401  (fixture)


def test_the_commit_that_writes_a_notice_wakes_the_sender(app, emailed, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "NOTICE_SEND_ON_COMMIT", True)
    notify(emailed, Kind.GRANT_CREATED, "grant:1:v1")
    assert smtp.messages == []  # nothing leaves before the cause has committed
    db.session.commit()
    assert len(smtp.messages) == 1
    row = db.session.scalar(select(NoticeDelivery).where(NoticeDelivery.channel == "email"))
    db.session.refresh(row)
    assert row.status is DeliveryStatus.SENT


def test_a_rolled_back_cause_sends_nothing(app, emailed, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "NOTICE_SEND_ON_COMMIT", True)
    notify(emailed, Kind.GRANT_CREATED, "grant:2:v1")
    db.session.rollback()
    db.session.commit()
    assert smtp.messages == []
    assert db.session.scalar(select(Notice.id)) is None


def test_the_nightly_slot_runs_the_reminders_and_sends_them(app, supplied, smtp):
    assert "notices.jobs.nightly" in jobs.NIGHTLY_JOBS
    job = jobs.enqueue("notices.jobs.nightly", REMINDER_DAY.isoformat())
    assert "1 supply reminders" in job.return_value()
    reminder = db.session.scalar(select(Notice).where(Notice.kind == Kind.SUPPLY_REMINDER))
    assert reminder.params["runs_out"] == "2026-02-05"
    assert any(rcpt == ["birthe@example.dk"] for rcpt, _ in smtp.messages)
    # The same night again: nothing new.
    assert "0 supply reminders" in jobs.enqueue("notices.jobs.nightly", REMINDER_DAY.isoformat()).return_value()


def test_the_commands(app, supplied, smtp):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["notices", "remind", "--date", REMINDER_DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 supply reminders" in result.output
    assert "0 supply reminders" in runner.invoke(main, ["notices", "remind", "--date", REMINDER_DAY.isoformat()]).output
    result = runner.invoke(main, ["notices", "send"])
    assert result.exit_code == 0 and "sent" in result.output
