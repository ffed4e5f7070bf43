"""The citizen's reading of audit purposes: a translated label for every purpose the code writes, a fallback, the page."""
from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

from flask_babel import force_locale, refresh

from stomi_app import audit
from stomi_app.extensions import db
from stomi_app.labels import AUDIT_PURPOSE, audit_purpose_label
from stomi_app.models import AuditEvent, Role

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["stomi_app", "catalogue", "citizen_portal", "nurse_console", "municipal_portal", "callcenter", "fulfilment",
            "fsc_admin", "invoicing"]


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def _purpose_position(node) -> int | None:
    """Where a function takes `purpose`: its position, -1 when keyword-only, None when it takes none."""
    names = [a.arg for a in node.args.posonlyargs + node.args.args]
    if "purpose" in names:
        return names.index("purpose")
    return -1 if "purpose" in [a.arg for a in node.args.kwonlyargs] else None


def _callee(call: ast.Call) -> str | None:
    return getattr(call.func, "id", None) or getattr(call.func, "attr", None)


def _purpose_argument(call: ast.Call, position: int):
    value = next((k.value for k in call.keywords if k.arg == "purpose"), None)
    if value is None and 0 <= position < len(call.args):
        value = call.args[position]
    return value


def written_purposes() -> tuple[set[str], list[str]]:
    """Every audit purpose the code writes: what reaches audit.record's `purpose`, directly or through helpers that
    pass their own `purpose` on (found by name, in their module first), as a literal, a variable named `purpose`
    assigned a literal, or a `purpose` parameter's default. Anything else is reported: no table could cover it."""
    sources = list(_sources())
    functions = [(path, node) for path, tree in sources for node in ast.walk(tree)
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    writers = {(ROOT / "stomi_app" / "audit.py", "record"): 2}
    grew = True
    while grew:  # a helper writes when it hands its `purpose` to a writer
        grew = False
        names = {name for _, name in writers}
        for path, node in functions:
            position = _purpose_position(node)
            if position is None or (path, node.name) in writers:
                continue
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and _callee(call) in names:
                    value = next((v for v in [*call.args, *[k.value for k in call.keywords]]
                                  if isinstance(v, ast.Name) and v.id == "purpose"), None)
                    if value is not None:
                        writers[(path, node.name)] = position
                        grew = True
                        break
    purposes, problems = set(), []
    for path, node in functions:
        if (path, node.name) in writers:
            for arg, default in zip(node.args.kwonlyargs, node.args.kw_defaults):
                if arg.arg == "purpose" and isinstance(default, ast.Constant):
                    purposes.add(default.value)
    for path, tree in sources:
        local = {name: position for (where, name), position in writers.items() if where == path}
        defined_here = {node.name for where, node in functions if where == path}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and \
                    any(isinstance(t, ast.Name) and t.id == "purpose" for t in node.targets):
                purposes.add(node.value.value)
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            if name in local:
                position = local[name]
            elif name in defined_here:
                continue  # a function of this module that writes nothing (e.g. another module's `_save`)
            else:
                matches = {position for (_, writer), position in writers.items() if writer == name}
                if len(matches) != 1:
                    continue
                position = matches.pop()
            value = _purpose_argument(node, position)
            if value is None or (isinstance(value, ast.Name) and value.id == "purpose"):
                continue  # the default, or a helper passing its own parameter on
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                purposes.add(value.value)
            else:
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(value)}")
    return purposes, problems


def test_every_purpose_the_code_writes_has_a_label():
    purposes, problems = written_purposes()
    assert not problems, "audit purposes must be literals, so the citizen's labels can be checked: " + ", ".join(problems)
    # The scan finds the purposes of every audience (a sample that breaks if it stops looking).
    assert {"nurse: clinical profile", "nurse: order", "callcenter: citizen overview", "callcenter: order status",
            "Statistics: utilisation per citizen (export)", "Grant ended (grant officer)",
            "Audit log search (FSC administrator)"} <= purposes
    assert sorted(purposes - set(AUDIT_PURPOSE)) == []


def test_each_known_purpose_reads_in_danish_and_english(app):
    with app.test_request_context():
        for purpose in AUDIT_PURPOSE:
            with force_locale("en"):
                english = audit_purpose_label(purpose)
            with force_locale("da"):
                danish = audit_purpose_label(purpose)
            assert english and danish and english != danish, purpose
            assert purpose not in (english, danish)
        with force_locale("da"):
            assert audit_purpose_label("nurse: clinical profile") == "Stomisygeplejerske: din stomi, dit klippemål og noter"
            assert audit_purpose_label("callcenter: order status") == "Callcenter: status på din bestilling"


def test_unknown_purpose_reads_as_case_handling(app):
    with app.test_request_context():
        for unknown in ("something new", "", None):
            with force_locale("da"):
                assert audit_purpose_label(unknown) == "Sagsbehandling"
            with force_locale("en"):
                assert audit_purpose_label(unknown) == "Case handling"


def test_my_data_page_shows_time_and_readable_purpose_never_the_employee(world, auth, client):
    nurse = world[Role.NURSE]
    event = audit.record(nurse, "read", "nurse: clinical profile", citizen=world["citizen"])
    audit.record(world[Role.CALLCENTER], "read", "a purpose nobody labelled", citizen=world["citizen"])
    db.session.flush()
    # 21:30 UTC on 30 June is 23:30 in Copenhagen (summer time): the page shows Copenhagen's clock.
    db.session.execute(db.update(AuditEvent).where(AuditEvent.id == event.id)
                       .values(at=datetime(2026, 6, 30, 21, 30, tzinfo=timezone.utc)))
    db.session.commit()
    auth.citizen("150348-1234")
    html = client.get("/borger/mine-data").get_data(as_text=True)
    table = html[html.index('data-testid="lookups"'):]
    assert "Stomisygeplejerske: din stomi, dit klippemål og noter" in table and "Sagsbehandling" in table
    assert "30. juni 2026 23:30" in table
    assert "nurse: clinical profile" not in html and "a purpose nobody labelled" not in html
    assert nurse.name not in html and nurse.email not in html
    client.post("/sprog", data={"lang": "en"})
    refresh()  # the requests share the test's app context, and Flask-Babel caches the locale there
    html = client.get("/borger/mine-data").get_data(as_text=True)
    assert "Stoma nurse: your stoma, cutting measure and notes" in html and "Case handling" in html
    assert "30. June 2026 23:30" in html
