"""Loading the reference data shipped with the project: regions and municipalities."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from stomi_app.extensions import db
from stomi_app.models import Municipality, Region

MUNICIPALITIES_CSV = Path(__file__).resolve().parent / "data" / "municipalities.csv"

# Each region's medical helpline outside the doctor's hours (lægevagten / akuttelefonen): 1813 is the Capital
# Region's only. 112 is for danger to life, everywhere.
MEDICAL_HELPLINE = {1081: "70 15 03 00", 1082: "70 11 31 31", 1083: "70 11 07 07", 1084: "1813", 1085: "70 15 07 00"}
EMERGENCY_NUMBER = "112"


def medical_helpline(region_code: int | None) -> str | None:
    """The number a citizen of this region calls when the doctor is closed; None for an unknown region."""
    return MEDICAL_HELPLINE.get(region_code)


@dataclass(frozen=True)
class MunicipalityFact:
    code: int
    name: str
    region_code: int
    region_name: str
    population: int
    postcode: str
    city: str
    in_solution: bool
    ean_gln: str
    cvr: str


def municipality_facts() -> list[MunicipalityFact]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            MunicipalityFact(
                code=int(row["code"]), name=row["name"], region_code=int(row["region_code"]),
                region_name=row["region_name"], population=int(row["population_approx"]),
                postcode=row["postcode"], city=row["city"], in_solution=row["in_solution"] == "1",
                ean_gln=row["ean_gln"], cvr=row["cvr"],
            )
            for row in csv.DictReader(handle)
        ]


def load_municipalities(*, national: bool) -> dict[int, Municipality]:
    """Create or update regions and municipalities; `national` adds the 57 outside today's solution."""
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    existing = {m.code: m for m in db.session.scalars(select(Municipality))}
    for fact in municipality_facts():
        if not (fact.in_solution or national):
            continue
        region = regions.get(fact.region_code)
        if region is None:
            region = regions[fact.region_code] = Region(code=fact.region_code, name=fact.region_name)
            db.session.add(region)
        municipality = existing.get(fact.code)
        if municipality is None:
            municipality = existing[fact.code] = Municipality(code=fact.code)
            db.session.add(municipality)
        municipality.name = fact.name
        municipality.region = region
        municipality.population = fact.population
        municipality.ean_gln = fact.ean_gln
        municipality.cvr = fact.cvr
    db.session.flush()
    return existing
