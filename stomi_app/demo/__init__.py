"""Deterministic demo data: municipalities, staff for every role, citizens, and each area's own data."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select, text

from stomi_app import cpr
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import Citizen, Municipality, Role, StomaType
from stomi_app.reference import load_municipalities, municipality_facts
from stomi_app.users import create_staff_user

DEMO_PASSWORD = "stomi-demo-2026"

# Documented figures: Midtjylland ~4,800 citizens with a stoma grant, Syddanmark ~4,000, Aarhus 871.
REGION_CITIZENS = {1082: 4800, 1083: 4000}
KNOWN_CITIZENS = {751: 871}
NATIONAL_CITIZENS = 100_000

DEMO_STAFF = [
    # e-mail, name, role, municipality code, region code, workplace
    ("admin@stomi-demo.dk", "Susanne Holm", Role.FSC_ADMIN, None, None, "FSC-sekretariatet"),
    ("sygeplejerske.aarhus@stomi-demo.dk", "Mette Lauridsen", Role.NURSE, 751, None, "Aarhus Kommune, Sundhed og Omsorg"),
    ("sygeplejerske.auh@stomi-demo.dk", "Anne Kjær", Role.NURSE, None, 1082, "Aarhus Universitetshospital"),
    ("sygeplejerske.ouh@stomi-demo.dk", "Louise Bech", Role.NURSE, None, 1083, "Odense Universitetshospital"),
    ("bevilling.aarhus@stomi-demo.dk", "Peter Vestergaard", Role.GRANT_OFFICER, 751, None, None),
    ("bevilling.odense@stomi-demo.dk", "Hanne Frost", Role.GRANT_OFFICER, 461, None, None),
    ("leder.aarhus@stomi-demo.dk", "Karen Brandt", Role.MUNICIPAL_MANAGER, 751, None, None),
    ("callcenter@stomi-demo.dk", "Camilla Dahl", Role.CALLCENTER, None, None, "Fælles Servicecenter"),
    ("lager@stomi-demo.dk", "Lagerlogistik A/S", Role.WAREHOUSE, None, None, "Lagerlogistik A/S"),
]

# Fixed citizens so the demo and the e2e tests can log in by a known CPR number.
DEMO_CITIZENS = [
    ("1503481234", "Birthe Nielsen", 751, StomaType.COLOSTOMY, "Vestergade 12, 2. th"),
    ("0207562345", "Jens Mikkelsen", 461, StomaType.ILEOSTOMY, "Kongensgade 40"),
    ("1112403456", "Aase Christensen", 751, StomaType.UROSTOMY, "Frederiks Allé 101"),
]

FIRST_NAMES = [
    "Anne", "Kirsten", "Hanne", "Mette", "Anna", "Helle", "Susanne", "Lene", "Maria", "Marianne", "Inge",
    "Karen", "Lone", "Bente", "Camilla", "Pia", "Jette", "Birthe", "Else", "Ruth", "Grethe", "Kirsten",
    "Peter", "Jens", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Anders", "Poul",
    "Hans", "Erik", "Ole", "Per", "Bent", "Finn", "Knud", "Svend", "Jørgen", "Kurt", "Preben", "Leif",
]
LAST_NAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
    "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
    "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen", "Laursen", "Lund", "Holm", "Schmidt",
]
STREETS = [
    "Vestergade", "Østergade", "Nørregade", "Søndergade", "Skolevej", "Kirkevej", "Møllevej", "Engvej",
    "Birkevej", "Egevej", "Bøgevej", "Stationsvej", "Parkvej", "Solvænget", "Rosenvænget", "Havnegade",
    "Storegade", "Bakkevej", "Skovvej", "Industrivej", "Fasanvej", "Lærkevej", "Toftevej", "Ahornvej",
]


@dataclass
class DemoContext:
    """What each area's demo generator gets: the seed's random source, scale and what exists."""

    rng: random.Random
    scale: str
    today: date
    municipalities: dict[int, Municipality]
    citizen_ids: list[int] = field(default_factory=list)
    echo: object = print


def citizen_counts(scale: str) -> dict[int, int]:
    facts = municipality_facts()
    counts: dict[int, int] = {}
    for region_code, total in REGION_CITIZENS.items():
        members = [f for f in facts if f.region_code == region_code and f.in_solution]
        known = {f.code: KNOWN_CITIZENS[f.code] for f in members if f.code in KNOWN_CITIZENS}
        rest = [f for f in members if f.code not in known]
        rest_population = sum(f.population for f in rest)
        remaining = total - sum(known.values())
        counts.update(known)
        for f in rest:
            counts[f.code] = max(1, round(remaining * f.population / rest_population))
    if scale == "national":
        others = [f for f in facts if not f.in_solution]
        remaining = NATIONAL_CITIZENS - sum(counts.values())
        population = sum(f.population for f in others)
        for f in others:
            counts[f.code] = max(1, round(remaining * f.population / population))
    elif scale == "small":
        counts = {code: max(1, n // 150) for code, n in counts.items()}
    return counts


def _random_cpr(rng: random.Random, used: set[str]) -> str:
    while True:
        birth = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        # A 7th digit of 0-3 puts the birth year in the 1900s (CPR century rule).
        digits = birth.strftime("%d%m%y") + str(rng.randrange(0, 4)) + f"{rng.randrange(0, 1000):03d}"
        if digits not in used:
            used.add(digits)
            return digits


def reset_database() -> None:
    """Empty every domain table (not the migration bookkeeping), children first."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.flush()


def _insert_citizens(ctx: DemoContext, counts: dict[int, int]) -> None:
    facts = {f.code: f for f in municipality_facts()}
    rng = ctx.rng
    used = {c[0] for c in DEMO_CITIZENS}
    now = utcnow()
    rows = []
    stoma_types = [StomaType.COLOSTOMY] * 5 + [StomaType.ILEOSTOMY] * 3 + [StomaType.UROSTOMY] * 2

    def row(digits, name, code, stoma_type, address):
        fact = facts[code]
        return {
            "cpr_encrypted": cpr.encrypt(digits), "cpr_hash": cpr.lookup_hash(digits), "cpr_masked": cpr.mask(digits),
            "name": name, "address": address, "postcode": fact.postcode, "city": fact.city,
            "phone": f"{rng.randrange(20, 99)}{rng.randrange(0, 1_000_000):06d}",
            "email": None, "municipality_id": ctx.municipalities[code].id, "stoma_type": stoma_type.value,
            "language": "da", "consent_given_at": now, "consent_text_version": "2026-1",
            "session_version": 1, "created_at": now,
        }

    for digits, name, code, stoma_type, address in DEMO_CITIZENS:
        rows.append(row(digits, name, code, stoma_type, address))
    for code, count in sorted(counts.items()):
        for _ in range(count):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            address = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"
            rows.append(row(_random_cpr(rng, used), name, code, rng.choice(stoma_types), address))
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Citizen.__table__), rows[start:start + 5000])
    ctx.citizen_ids = list(db.session.scalars(select(Citizen.id).order_by(Citizen.id)))


def generate(*, scale: str, seed: int, reset: bool, echo=print) -> str:
    if reset:
        reset_database()
    municipalities = load_municipalities(national=scale == "national")
    ctx = DemoContext(rng=random.Random(seed), scale=scale, today=date.today(), municipalities=municipalities, echo=echo)
    for email, name, role, municipality_code, region_code, workplace in DEMO_STAFF:
        create_staff_user(email=email, name=name, role=role, password=DEMO_PASSWORD,
                          municipality_code=municipality_code, region_code=region_code, workplace=workplace)
    counts = citizen_counts(scale)
    _insert_citizens(ctx, counts)
    echo(f"{len(ctx.citizen_ids)} citizens in {len(counts)} municipalities")
    for area_generator in _area_generators():
        area_generator(ctx)
    db.session.commit()
    refresh_planner_statistics()
    lines = ["", "Demo users (password for all staff: %s):" % DEMO_PASSWORD]
    lines += [f"  {role.value:<14} {email}" for email, _n, role, *_ in DEMO_STAFF]
    lines.append("Demo citizens (log in at /login/borger with the CPR number):")
    lines += [f"  {digits[:6]}-{digits[6:]}  {name}" for digits, name, *_ in DEMO_CITIZENS]
    return "\n".join(lines)


def refresh_planner_statistics() -> None:
    """After a bulk load, let PostgreSQL's planner see the new table sizes now rather than when autovacuum
    gets round to it (with the empty tables' statistics it picks plans that read all history)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def _area_generators():
    """Each area that has demo data of its own adds it here, in dependency order."""
    from catalogue.demo import generate_catalogue
    from fulfilment.demo import generate_fulfilment
    from invoicing.demo import generate_invoicing
    from stomi_app.demo.history import generate_grants_and_orders
    from stomi_app.demo.nursing import generate_nursing

    return [generate_catalogue, generate_grants_and_orders, generate_fulfilment, generate_nursing,
            generate_invoicing]
