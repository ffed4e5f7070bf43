"""Deterministic demo data: municipalities, staff for every role, citizens, and each area's own data."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from stomi_app import cpr
from stomi_app.db import utcnow
from devtools.demo.bulk import TableWriter, first_free_id, is_postgresql, pipelined
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen, StomaType
from citizens.consent_models import CitizenConsent, ConsentPurpose
from stomi_app.models import Municipality
from stomi_app.reference import load_municipalities, municipality_facts
from stomi_app.auth import twofactor
from stomi_app.users import create_staff_user

from devtools.demo.people import (  # noqa: F401  (the demo's people, named here for its users)
    DEMO_CITIZENS, DEMO_PASSWORD, DEMO_STAFF, DEMO_TOTP_SECRET, DEMO_TOTP_USER, FIRST_NAMES, KNOWN_CITIZENS, LAST_NAMES,
    NATIONAL_CITIZENS, REGION_CITIZENS, STREETS,
)


@dataclass
class DemoContext:
    """What each area's demo generator gets: the seed's random source, scale and what exists."""

    rng: random.Random
    scale: str
    today: date
    municipalities: dict[int, Municipality]
    citizen_ids: list[int] = field(default_factory=list)
    echo: object = print
    # Areas that keep rows of their own for every accepted order: each makes a sink the history feeds as it goes;
    # those fed are listed in sinks_fed.
    accepted_order_sinks: list = field(default_factory=list)
    sinks_fed: list = field(default_factory=list)


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
    """Empty every domain table (not the migration bookkeeping), children first.

    On PostgreSQL one TRUNCATE: deleting national history row by row takes many minutes (each deleted order
    looks for orders that replace it), and restarting the id sequences gives the same ids on every run, as
    SQLite does once a table is empty. TRUNCATE must wait for every other transaction that has read these
    tables; if one stays open (a session left idle in a transaction), the rows are deleted instead.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    if is_postgresql():
        names = ", ".join(db.engine.dialect.identifier_preparer.format_table(t) for t in tables)
        try:
            with db.session.begin_nested():
                db.session.execute(text("SELECT set_config('lock_timeout', '5s', true)"))
                db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            db.session.execute(text("SELECT set_config('lock_timeout', '0', true)"))
            return
        except OperationalError:  # the lock timed out; the savepoint's rollback undid the timeout too
            pass
    for table in tables:
        db.session.execute(table.delete())
    db.session.flush()


CITIZEN_COLUMNS = ("id", "cpr_encrypted", "cpr_hash", "cpr_masked", "name", "address", "postcode", "city", "phone",
                   "email", "municipality_id", "stoma_type", "language", "consent_given_at", "consent_text_version",
                   "created_at")


def _insert_citizens(ctx: DemoContext, counts: dict[int, int]) -> None:
    facts = {f.code: f for f in municipality_facts()}
    rng = ctx.rng
    used = {c[0] for c in DEMO_CITIZENS}
    now = utcnow()
    writer = TableWriter(Citizen, CITIZEN_COLUMNS)
    # The demo citizens consented to the courier purpose only (as Citizen.consent_given_at says): its record too.
    consents = TableWriter(CitizenConsent, ("citizen_id", "purpose", "given_at", "text_version"), after=(writer,))
    stoma_types = [StomaType.COLOSTOMY] * 5 + [StomaType.ILEOSTOMY] * 3 + [StomaType.UROSTOMY] * 2
    next_id = first_free_id(Citizen)
    # The keys read once, not once per citizen.
    encryption_key, hash_key = (bytes.fromhex(current_app.config[k]) for k in ("CPR_ENCRYPTION_KEY", "CPR_HASH_KEY"))

    def add(digits, name, code, stoma_type, address):
        nonlocal next_id
        fact = facts[code]
        writer.add((next_id, cpr.encrypt(digits, encryption_key), cpr.lookup_hash(digits, hash_key), cpr.mask(digits),
                    name, address, fact.postcode, fact.city, f"{rng.randrange(20, 99)}{rng.randrange(0, 1_000_000):06d}",
                    None, ctx.municipalities[code].id, stoma_type.value, "da", now, "2026-1", now))
        consents.add((next_id, ConsentPurpose.COURIER.value, now, "2026-1"))
        ctx.citizen_ids.append(next_id)
        next_id += 1

    with pipelined():
        for digits, name, code, stoma_type, address in DEMO_CITIZENS:
            add(digits, name, code, stoma_type, address)
        for code, count in sorted(counts.items()):
            for _ in range(count):
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                address = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"
                add(_random_cpr(rng, used), name, code, rng.choice(stoma_types), address)
        writer.close()
        consents.close()


def _demo_hospital(region_code: int, name: str) -> int:
    """The demo hospital nurse's hospital (a record, stomi_app.models.Hospital), made the first time it is named."""
    from sqlalchemy import select

    from stomi_app.models import Hospital, Region

    region = db.session.scalar(select(Region).where(Region.code == region_code))
    hospital = db.session.scalar(select(Hospital).where(Hospital.region_id == region.id, Hospital.name == name))
    if hospital is None:
        hospital = Hospital(name=name, region=region, active=True)
        db.session.add(hospital)
        db.session.flush()
    return hospital.id


def generate(*, scale: str, seed: int, reset: bool, echo=print) -> str:
    started = time.perf_counter()
    if reset:
        reset_database()
    municipalities = load_municipalities(national=scale == "national")
    ctx = DemoContext(rng=random.Random(seed), scale=scale, today=date.today(), municipalities=municipalities, echo=echo,
                      accepted_order_sinks=_accepted_order_sinks())
    for email, name, role, municipality_code, region_code, workplace in DEMO_STAFF:
        hospital_id = _demo_hospital(region_code, workplace) if region_code and workplace else None
        user = create_staff_user(email=email, name=name, role=role, password=DEMO_PASSWORD, hospital_id=hospital_id,
                                 municipality_code=municipality_code, region_code=region_code, workplace=workplace)
        if email == DEMO_TOTP_USER:
            twofactor.enrol_with_secret(user, DEMO_TOTP_SECRET)
    counts = citizen_counts(scale)
    _insert_citizens(ctx, counts)
    echo(f"{len(ctx.citizen_ids)} citizens in {len(counts)} municipalities in {time.perf_counter() - started:.1f} s")
    for area_generator in _area_generators():
        area_generator(ctx)
    db.session.commit()
    step = time.perf_counter()
    refresh_planner_statistics()
    echo(f"planner statistics in {time.perf_counter() - step:.1f} s; demo data in {time.perf_counter() - started:.1f} s")
    lines = ["", "Demo users (password for all staff: %s):" % DEMO_PASSWORD]
    lines += [f"  {role.value:<14} {email}" for email, _n, role, *_ in DEMO_STAFF]
    lines.append(f"  {DEMO_TOTP_USER} also asks for a TOTP code: secret {DEMO_TOTP_SECRET} (README, Staff sign-in)")
    lines.append("Demo citizens (log in at /login/borger with the CPR number):")
    lines += [f"  {digits[:6]}-{digits[6:]}  {name}" for digits, name, *_ in DEMO_CITIZENS]
    return "\n".join(lines)


def refresh_planner_statistics() -> None:
    """After a bulk load, let PostgreSQL's planner see the new table sizes now rather than when autovacuum
    gets round to it (with the empty tables' statistics it picks plans that read all history)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def _accepted_order_sinks():
    """Areas whose rows follow from each accepted order are loaded in the history's own pass (millions of rows)."""
    from devtools.demo.fulfilment import InstructionRows

    return [InstructionRows]


def _area_generators():
    """Each area that has demo data of its own adds it here, in dependency order."""
    from devtools.demo.catalogue import generate_catalogue
    from devtools.demo.fulfilment import generate_fulfilment
    from devtools.demo.invoicing import generate_invoicing
    from devtools.demo.history import generate_grants_and_orders
    from devtools.demo.notices import generate_notices
    from devtools.demo.nursing import generate_nursing

    return [generate_catalogue, generate_grants_and_orders, generate_fulfilment, generate_nursing,
            generate_invoicing, generate_notices]
