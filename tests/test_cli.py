"""The `stomi` commands: demo data is deterministic and fills the worklists, create-user checks its input."""
from __future__ import annotations

from sqlalchemy import func, select

from stomi_app.cli import main
from devtools.demo import DEMO_PASSWORD
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from stomi_app.models import Municipality, Role, User


def _names(app):
    with app.app_context():
        return list(db.session.scalars(select(Citizen.name).order_by(Citizen.cpr_masked, Citizen.name)))


def test_demo_data_small_is_deterministic_and_rerunnable(app):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["demo-data", "--scale", "small", "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert "stomi-demo-2026" in first.output and "150348-1234" in first.output
    names = _names(app)
    again = runner.invoke(main, ["demo-data", "--scale", "small", "--seed", "7"])
    assert again.exit_code == 0, again.output
    assert _names(app) == names
    with app.app_context():
        assert db.session.scalar(select(func.count(Municipality.id))) == 41
        roles = set(db.session.scalars(select(User.role)))
        assert roles >= {Role.FSC_ADMIN, Role.NURSE, Role.GRANT_OFFICER, Role.CALLCENTER, Role.WAREHOUSE}
    # Aarhus's grant officer has the municipal nurse's recommendations of every kind waiting (not only discharges).
    client = app.test_client()
    assert client.post("/login", data={"email": "bevilling.aarhus@stomi-demo.dk", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/kommune/anbefalinger").get_data(as_text=True)
    worklist = page[page.index('data-testid="recommendations"'):]
    assert worklist.count("<tr>") == 1 + 3  # the heading row and one a kind
    for kind in ("Anbefalet ændring af bevilling efter en bestilling", "Anbefalet produktskift",
                 "Anbefalet afløser efter leverandørskift"):
        assert kind in worklist, kind
    assert "Mette Lauridsen" in worklist


def test_region_scale_counts_follow_the_documents():
    from devtools.demo import citizen_counts

    counts = citizen_counts("region")
    assert counts[751] == 871
    assert abs(sum(counts.values()) - 8800) <= 20
    national = citizen_counts("national")
    assert len(national) == 98
    assert abs(sum(national.values()) - 100_000) <= 60


def test_create_user(app, world):
    runner = app.test_cli_runner()
    ok = runner.invoke(main, ["create-user", "--email", "New@Test.dk", "--name", "Ny Visitator", "--role", "grant_officer",
                              "--municipality", "461", "--password", "a long password"])
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@test.dk"))
        assert user.municipality.name == "Odense" and user.check_password("a long password")


def test_create_user_refuses_bad_input(app, world):
    runner = app.test_cli_runner()
    cases = [
        (["--email", "admin@test.dk", "--name", "x", "--role", "fsc_admin"], "exists"),
        (["--email", "not-an-email", "--name", "x", "--role", "fsc_admin"], "invalid e-mail"),
        (["--email", "a@test.dk", "--name", "x", "--role", "grant_officer"], "municipality"),
        (["--email", "b@test.dk", "--name", "x", "--role", "grant_officer", "--municipality", "999"], "unknown municipality"),
        (["--email", "c@test.dk", "--name", "x", "--role", "nurse"], "hospital"),
    ]
    for args, message in cases:
        result = runner.invoke(main, ["create-user", *args, "--password", "a long password"])
        assert result.exit_code != 0 and message in result.output.lower(), (args, result.output)
    short = runner.invoke(main, ["create-user", "--email", "d@test.dk", "--name", "x", "--role", "fsc_admin", "--password", "short"])
    assert short.exit_code != 0 and "at least" in short.output
