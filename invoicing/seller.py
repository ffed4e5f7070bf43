"""Who issues the invoices (the FSC) and on what terms: from the app config, with STOMI_FSC_* overrides."""
from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app

# A demo identity: a real installation sets its own through STOMI_FSC_* (the CVR and GLN pass their check digits).
DEFAULTS = {
    "FSC_NAME": "Fælles Servicecenter for Stomihjælpemidler",
    "FSC_STREET": "Skottenborg 26",
    "FSC_POSTCODE": "8800",
    "FSC_CITY": "Viborg",
    "FSC_CVR": "41234563",
    "FSC_EMAIL": "faktura@stomi-fsc.dk",
    "FSC_PHONE": "70 20 30 40",
    "FSC_BANK_NAME": "Danske Bank",
    "FSC_BANK_REG": "0216",
    "FSC_BANK_ACCOUNT": "4069123456",
    "FSC_PAYMENT_DAYS": "30",
}


@dataclass(frozen=True)
class Seller:
    name: str
    street: str
    postcode: str
    city: str
    cvr: str
    email: str
    phone: str
    bank_name: str
    bank_reg: str
    bank_account: str
    payment_days: int

    @property
    def vat_number(self) -> str:
        return f"DK{self.cvr}"


def seller() -> Seller:
    def value(name: str) -> str:
        return str(current_app.config.get(name) or os.environ.get(f"STOMI_{name}") or DEFAULTS[name])

    return Seller(name=value("FSC_NAME"), street=value("FSC_STREET"), postcode=value("FSC_POSTCODE"),
                  city=value("FSC_CITY"), cvr=value("FSC_CVR"), email=value("FSC_EMAIL"), phone=value("FSC_PHONE"),
                  bank_name=value("FSC_BANK_NAME"), bank_reg=value("FSC_BANK_REG"),
                  bank_account=value("FSC_BANK_ACCOUNT"), payment_days=int(value("FSC_PAYMENT_DAYS")))
