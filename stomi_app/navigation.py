"""The staff menu: one list of pages per role, rendered by base.html with aria-current on the page shown."""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Callable

from flask import request, url_for
from stomi_app.i18n import lazy_gettext as _l
from flask_login import current_user

from stomi_app.models.users import Role, is_hospital_nurse as hospital_nurse


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: object  # a lazy string: the menu is declared at import, translated when shown
    # Endpoints (fnmatch patterns) that belong to this entry, so the invoice page marks
    # "Invoicing" as current and the citizen's page marks "Find a citizen".
    also: tuple[str, ...] = ()
    arguments: Callable[[object], dict] | None = None
    hospital_only: bool = False


def _own_municipality(user) -> dict:
    return {"code": user.municipality.code if user.municipality is not None else 0}


_GRANT_OFFICER = (
    MenuEntry("municipal_portal.start", _l("Start")),
    MenuEntry("municipal_portal.search", _l("Find a citizen"), also=(
        "municipal_portal.citizen", "municipal_portal.grant_*",
    )),
    MenuEntry("municipal_portal.near_or_over", _l("Near or over their grant")),
    MenuEntry("municipal_portal.awaiting", _l("Orders awaiting approval")),
    MenuEntry("municipal_portal.discharges", _l("Discharges"), also=("municipal_portal.discharge*",)),
    MenuEntry("municipal_portal.recommendations", _l("Recommendations"), also=("municipal_portal.recommendation*",)),
    MenuEntry("municipal_portal.statistics_home", _l("Statistics"), also=("municipal_portal.statistics*",)),
    MenuEntry("municipal_portal.invoices", _l("Invoices"), also=("municipal_portal.invoice*",)),
)

MENUS: dict[Role, tuple[MenuEntry, ...]] = {
    Role.NURSE: (
        MenuEntry("nurse_console.start", _l("Start")),
        MenuEntry("nurse_console.tasks", _l("Work queue"), also=("nurse_console.*_task", "nurse_console.claim", "nurse_console.release")),
        MenuEntry("nurse_console.search", _l("Find a citizen"), also=(
            "nurse_console.profile", "nurse_console.set_*", "nurse_console.confirm_measure", "nurse_console.add_note",
        )),
        MenuEntry("nurse_console.discharge_new", _l("Register a discharge"), hospital_only=True),
    ),
    Role.GRANT_OFFICER: _GRANT_OFFICER,
    Role.MUNICIPAL_MANAGER: (
        MenuEntry("municipal_portal.statistics_home", _l("Statistics"), also=(
            "municipal_portal.statistics", "municipal_portal.statistics_export",
        )),
        MenuEntry("municipal_portal.statistics_reports", _l("Received reports"), arguments=_own_municipality,
                  also=("municipal_portal.statistics_report*",)),
    ),
    Role.CALLCENTER: (
        MenuEntry("callcenter.start", _l("Start"), also=("callcenter.*",)),
    ),
    Role.FSC_ADMIN: (
        MenuEntry("fsc_admin.start", _l("Start")),
        MenuEntry("fsc_admin.invoicing", _l("Invoicing"), also=("fsc_admin.invoice*",)),
        MenuEntry("fsc_admin.fees", _l("Fee periods")),
        MenuEntry("fsc_admin.allocation", _l("Shared costs")),
        MenuEntry("fsc_admin.statistics_overview", _l("Statistics"), also=("fsc_admin.statistics*",)),
        MenuEntry("fsc_admin.delivery_sla", _l("Delivery times")),
        MenuEntry("catalogue.admin", _l("Catalogue administration"), also=(
            "catalogue.product_*", "catalogue.variant_*", "catalogue.price_add", "catalogue.import_csv",
            "catalogue.export_csv", "catalogue.supplier_change", "catalogue.areas",
        )),
        MenuEntry("fsc_admin.users", _l("Staff accounts"), also=("fsc_admin.user_*", "fsc_admin.two_factor_policy")),
        MenuEntry("fsc_admin.audit_log", _l("Audit log"), also=("fsc_admin.audit*",)),
        MenuEntry("fsc_admin.api_clients", _l("API clients"), also=("fsc_admin.api_client_*",)),
    ),
    Role.WAREHOUSE: (
        MenuEntry("fulfilment.start", _l("Start")),
        MenuEntry("api_docs.page", _l("Fulfilment API")),
    ),
}


# What the menu's <nav> is called (screen readers list landmarks by it): the audience's own name.
MENU_NAMES: dict[Role, object] = {
    Role.NURSE: _l("Nurse console"),
    Role.GRANT_OFFICER: _l("Municipal portal"),
    Role.MUNICIPAL_MANAGER: _l("Municipal portal"),
    Role.CALLCENTER: _l("Callcenter"),
    Role.FSC_ADMIN: _l("FSC administration"),
    Role.WAREHOUSE: _l("Warehouse"),
}


class Menu(list):
    """The entries as [{label, url, current}], and the name of the menu (``name``)."""

    def __init__(self, entries, name=None):
        super().__init__(entries)
        self.name = name


def _matches(pattern: str, endpoint: str) -> bool:
    return fnmatchcase(endpoint, pattern)


def staff_menu(user=None, endpoint: str | None = None, is_hospital_nurse: bool | None = None) -> Menu:
    """The user's menu as [{label, url, current}], empty for citizens and anonymous visitors."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return Menu([])
    role = getattr(user, "role", None)
    entries = MENUS.get(role, ())
    if not entries:
        return Menu([])
    endpoint = (request.endpoint or "") if endpoint is None else endpoint
    if is_hospital_nurse is None:
        is_hospital_nurse = hospital_nurse(user)
    # The entry whose own endpoint is shown wins over one that only claims it in `also`.
    current = next((e for e in entries if e.endpoint == endpoint), None)
    if current is None:
        current = next((e for e in entries if any(_matches(p, endpoint) for p in e.also)), None)
    return Menu([
        {
            "label": entry.label,
            "url": url_for(entry.endpoint, **(entry.arguments(user) if entry.arguments else {})),
            "current": entry is current,
        }
        for entry in entries
        if not (entry.hospital_only and not is_hospital_nurse)
    ], MENU_NAMES.get(role))
