"""The invoicing commands: run with --out and a summary, rerun, credit, allocate, fee periods; clear refusals."""
from __future__ import annotations

from sqlalchemy import func, select

from invoicing.models import FeeSchedule, Invoice, SharedCostAllocation
from stomi_app.cli import main
from stomi_app.extensions import db


def test_run_rerun_credit_and_documents(app, month, tmp_path):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["invoice-run", "--month", "2026-05", "--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "2 issued" in first.output and "4.809,93\xa0kr." in first.output  # Babel's Danish money format
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".csv", ".csv", ".pdf", ".pdf", ".xml", ".xml"]
    again = runner.invoke(main, ["invoice-run", "--month", "2026-05"])
    assert again.exit_code == 0 and "0 issued, 2 already invoiced" in again.output
    aarhus = db.session.scalar(select(Invoice.number).where(Invoice.buyer_name == "Aarhus Kommune"))
    credit = runner.invoke(main, ["invoice-credit", str(aarhus), "--reason", "Forkert måned"])
    assert credit.exit_code == 0, credit.output
    assert "invoice-run --month 2026-05" in credit.output
    assert runner.invoke(main, ["invoice-credit", str(aarhus), "--reason", "igen"]).exit_code == 1
    rerun = runner.invoke(main, ["invoice-run", "--month", "2026-05"])
    assert "1 issued, 1 already invoiced" in rerun.output


def test_refusals_are_clear(app, month):
    runner = app.test_cli_runner()
    future = runner.invoke(main, ["invoice-run", "--month", "2999-01"])
    assert future.exit_code == 1 and "2999-01" in future.output
    assert runner.invoke(main, ["invoice-run", "--month", "maj"]).exit_code == 1
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_allocate_and_fee_periods(app, world):
    runner = app.test_cli_runner()
    shown = runner.invoke(main, ["allocate", "--amount", "2700000", "--key", "population",
                                 "--split", "region:50,municipalities:50"])
    assert shown.exit_code == 0, shown.output
    assert "2.700.000,00\xa0kr." in shown.output.splitlines()[-1]
    bad = runner.invoke(main, ["allocate", "--amount", "100", "--key", "citizens", "--split", "region:40,municipalities:40"])
    assert bad.exit_code == 1
    saved = runner.invoke(main, ["allocate", "--amount", "1350000", "--key", "citizens", "--region", "1082",
                                 "--month", "2026-05", "--description", "Etablering"])
    assert saved.exit_code == 0, saved.output
    assert db.session.scalar(select(func.count(SharedCostAllocation.id))) == 1
    added = runner.invoke(main, ["fee-schedule", "add", "--from", "2026-01", "--delivery", "65"])
    assert added.exit_code == 0, added.output
    assert db.session.scalar(select(FeeSchedule.delivery_fee_oere)) == 6500
    listed = runner.invoke(main, ["fee-schedule", "list"])
    assert "65,00\xa0kr." in listed.output
    assert runner.invoke(main, ["fee-schedule", "add", "--from", "2026-03", "--to", "2026-04"]).exit_code == 1
