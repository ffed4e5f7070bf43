"""The FSC's audit log in words (issue 24 item 12): every action the code writes has a label, and the page and the
export show actions and purposes as words in Danish, not as the codes stored."""
from __future__ import annotations

import re

from flask_babel import force_locale

from stomi_app import audit
from stomi_app.extensions import db
from stomi_app.labels import AUDIT_ACTION, AUDIT_PURPOSE, audit_action_label, staff_purpose_label
from stomi_app.models import Role
from tests.test_audit_purposes import _sources

# audit.record(user, "action", ...) and the helpers that pass an action on as their second argument.
_CALL = re.compile(r"\brecord\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*(?:action=)?\"([0-9a-z_ -]+)\"")


def written_actions() -> set[str]:
    found = set()
    for path, _tree in _sources():
        found |= set(_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_action_the_code_writes_has_a_label():
    actions = written_actions()
    assert {"read", "change", "search", "export"} <= actions  # the scan finds the calls at all
    assert actions - set(AUDIT_ACTION) == set()


def test_labels_are_danish_words(app):
    with app.test_request_context(), force_locale("da"):
        assert audit_action_label("read") == "Læst" and audit_action_label("search_refused") == "Søgning afvist"
        assert audit_action_label("something_new") == "something_new"  # never an empty cell
        assert staff_purpose_label("Grant form (grant officer)") == str(AUDIT_PURPOSE["Grant form (grant officer)"])
        assert staff_purpose_label("Grant form (grant officer)") != "Municipality: your grant"  # translated
        assert staff_purpose_label("an unlabelled purpose") == "an unlabelled purpose"  # exact for the FSC


def test_the_audit_log_page_and_export_show_words_not_codes(world, auth, client):
    audit.record(world[Role.GRANT_OFFICER], "read", "Grant form (grant officer)", citizen=world["citizen"])
    audit.record(world[Role.CALLCENTER], "search_refused", "callcenter: find citizen")
    db.session.commit()
    auth.staff("admin@test.dk")
    page = client.get("/admin/revision").get_data(as_text=True)
    rows = page[page.find('data-testid="audit-rows"'):]
    assert "<td>Læst</td>" in rows and "<td>Søgning afvist</td>" in rows
    assert "<td>read</td>" not in rows and "Grant form (grant officer)" not in rows
    assert "Callcenter" in rows and "callcenter: find citizen" not in rows
    # The filter names each action in words, and still posts the code.
    assert '<option value="search_refused">Søgning afvist</option>' in page
    export = client.get("/admin/revision/eksport.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert export[0].endswith(";Handlingskode;Formålskode")
    refused = next(line for line in export if "search_refused" in line)
    assert "Søgning afvist" in refused and refused.endswith("search_refused;callcenter: find citizen")
