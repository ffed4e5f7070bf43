"""The CSV specification of an invoice for the municipality's own reconciliation: the lines, every order, every citizen.

Semicolon-separated with decimal commas and a UTF-8 byte order mark, so Danish spreadsheet programs open it as it is.
The order rows carry each delivery's products and fees; their amounts plus the citizen fee and shared-cost lines add
up to the invoice's total excl. VAT, to the øre.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from invoicing.models import FeeSchedule, Invoice
from stomi_app import safecsv
from stomi_app.money import csv_amount
from stomi_app.timeutil import local_date


@dataclass(frozen=True)
class OrderRow:
    order_id: int
    citizen_name: str
    cpr_masked: str
    delivered_at: datetime
    express: bool
    is_replacement: bool
    products_oere: int
    lines: int
    plates: int
    admin_fee_oere: int

    @property
    def charged(self) -> dict[str, int]:
        """What this delivery is charged for, as counts: the one rule the month's invoice lines (summed in
        invoicing.charges.gather) and the CSV's order rows (priced by `fees`) both read. Replacements are free."""
        if self.is_replacement:
            return {"cut_plates": 0, "picked_lines": 0, "deliveries": 0, "express_deliveries": 0, "admin_fee_oere": 0,
                    "replacement_deliveries": 1}
        return {"cut_plates": self.plates, "picked_lines": self.lines, "deliveries": 0 if self.express else 1,
                "express_deliveries": 1 if self.express else 0, "admin_fee_oere": self.admin_fee_oere,
                "replacement_deliveries": 0}

    def fees(self, schedule: FeeSchedule) -> dict[str, int]:
        """The delivery's amounts in øre: its products and each fee at the schedule's price per counted unit."""
        charged = self.charged
        return {
            "products": 0 if self.is_replacement else self.products_oere,
            "cutting": charged["cut_plates"] * schedule.cutting_fee_oere,
            "warehouse": charged["picked_lines"] * schedule.warehouse_fee_oere,
            "delivery": charged["deliveries"] * schedule.delivery_fee_oere
            + charged["express_deliveries"] * schedule.express_delivery_fee_oere,
            "admin": charged["admin_fee_oere"],
        }


def render_csv(invoice: Invoice, *, schedule: FeeSchedule | None, orders: list[OrderRow],
               citizens: list[tuple[str, str]], lines: Sequence | None = None) -> bytes:
    lines = invoice.lines if lines is None else lines
    out = io.StringIO()
    writer = safecsv.writer(out)  # citizen names and product texts are neutralised, amounts stay numbers
    writer.writerow([_("Type"), _("Document"), _("Line"), _("Order"), _("Delivered"), _("Citizen"), _("CPR (masked)"),
                     _("Article"), _("Description"), _("Quantity"), _("Unit price"), _("Products"), _("Cut plates"),
                     _("Hole-cutting fee"), _("Picked lines"), _("Warehouse fee"), _("Delivery fee"),
                     _("Administration fee"), _("Amount excl. VAT"), _("VAT %")])
    number = invoice.number
    # Labels translated once: a national month writes ~200,000 rows.
    line_label, order_label, citizen_label = _("line"), _("order"), _("citizen")
    kinds = {"replacement": _("replacement"), "express": _("express"), "normal": _("normal")}
    in_month = _("Citizen with a grant in the month")
    for line in lines:
        price = csv_amount(line.unit_price_oere) + (f"/{line.base_quantity}" if line.base_quantity != 1 else "")
        writer.writerow([line_label, number, line.position, "", "", "", "", line.article_number or "", line.description,
                         line.quantity, price, "", "", "", "", "", "", "", csv_amount(line.net_oere), line.vat_rate_pct])
    for row in sorted(orders, key=lambda r: (r.delivered_at, r.order_id)):
        fees = row.fees(schedule)
        kind = kinds["replacement" if row.is_replacement else "express" if row.express else "normal"]
        writer.writerow([order_label, number, "", f"{row.order_id:07d}", local_date(row.delivered_at).isoformat(),
                         row.citizen_name, row.cpr_masked, "", kind, "", "", csv_amount(fees["products"]), row.plates,
                         csv_amount(fees["cutting"]), row.lines, csv_amount(fees["warehouse"]),
                         csv_amount(fees["delivery"]), csv_amount(fees["admin"]),
                         csv_amount(sum(fees.values())), ""])
    writer.writerows([citizen_label, number, "", "", "", name, cpr_masked, "", in_month, 1, "", "", "", "", "", "", "", "",
                      "", ""] for name, cpr_masked in sorted(citizens))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
