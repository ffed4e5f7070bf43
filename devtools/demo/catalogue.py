"""Demo catalogue: ~300 variants of invented stoma products from fictional manufacturers, with contract prices."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert
from stdnum import ean

from catalogue.models import ContractPrice, Product, Variant
from catalogue.reference import ensure_stoma_categories
from stomi_app.extensions import db

CONTRACT_START = date(2026, 1, 1)
CONTRACT_REFERENCE = "FSC-STOMI-2026"
# The contract before the current one, so the years of order history before 2026 have prices of their own (the
# order lines' snapshot keeps what was paid then).
PREVIOUS_CONTRACT_START = date(2022, 1, 1)
PREVIOUS_CONTRACT_REFERENCE = "FSC-STOMI-2022"

# Invented names, chosen not to resemble any real manufacturer; article prefixes keep numbers unique.
MANUFACTURERS = [
    ("Nordkyst Medical (fiktiv)", "NKM", "Nordkyst"),
    ("Fjordlys Care (fiktiv)", "FLC", "Fjordlys"),
    ("Havtorn Ostomi (fiktiv)", "HVO", "Havtorn"),
    ("Lyngbakke Health (fiktiv)", "LBH", "Lyngbakke"),
    ("Bølgebryder Medico (fiktiv)", "BBM", "Bølge"),
    ("Klitrose Care (fiktiv)", "KRC", "Klitrose"),
]

CUT_RANGES = [(10, 45), (15, 55), (20, 70), (10, 35), (15, 43), (20, 60)]
PRECUT_SIZES = [20, 25, 28, 30, 32, 35, 38, 40, 45, 50]
COUPLINGS = {40: (10, 33), 50: (10, 43), 60: (10, 53), 70: (20, 63)}

# category code, product name suffix, system, description (da, en), unit, pack sizes, price range per pack (kr.), sizing
TEMPLATES = [
    ("bag_one_piece_closed", "Soft 1-dels lukket", "one_piece",
     ("Lukket pose med integreret hudvenlig klæber og filter.", "Closed bag with integrated skin-friendly adhesive and filter."),
     "box", [30], (400, 900), "flat"),
    ("bag_one_piece_closed", "Convex 1-dels lukket", "one_piece",
     ("Lukket pose med konveks klæber til stomier i niveau med huden.", "Closed bag with convex adhesive for stomas level with the skin."),
     "box", [30], (550, 900), "convex"),
    ("bag_one_piece_drainable", "Flow 1-dels tømbar", "one_piece",
     ("Tømbar pose med integreret lukning, til tynd afføring.", "Drainable bag with integrated outlet, for loose output."),
     "box", [30, 20], (450, 900), "flat"),
    ("bag_one_piece_drainable", "Flow Convex 1-dels tømbar", "one_piece",
     ("Tømbar pose med konveks klæber.", "Drainable bag with convex adhesive."),
     "box", [20], (500, 900), "convex"),
    ("bag_urostomy", "Uro 1-dels urostomipose", "one_piece",
     ("Urostomipose med tilbageløbsventil og tap til natposetilslutning.", "Urostomy bag with anti-reflux valve and tap for night drainage."),
     "box", [30, 10], (500, 900), "flat"),
    ("baseplate_two_piece", "Base 2-dels basisplade", "two_piece",
     ("Plan basisplade med koblingsring til 2-dels system.", "Flat baseplate with coupling ring for a two-piece system."),
     "box", [5, 10], (500, 1200), "coupling"),
    ("baseplate_convex", "Base Convex 2-dels basisplade", "two_piece",
     ("Konveks basisplade med koblingsring til 2-dels system.", "Convex baseplate with coupling ring for a two-piece system."),
     "box", [5, 10], (650, 1200), "coupling_convex"),
    ("bag_two_piece", "Link 2-dels pose", "two_piece",
     ("Pose til 2-dels system, lukket eller tømbar, med filter.", "Bag for a two-piece system, closed or drainable, with filter."),
     "box", [30], (350, 800), "bag_coupling"),
    ("irrigation", "Irrigationssæt", None,
     ("Komplet sæt til irrigation med vandpose, slange og konus.", "Complete irrigation set with water bag, tube and cone."),
     "piece", [1], (600, 1500), "none"),
    ("irrigation", "Irrigationsærme", None,
     ("Engangsærmer til irrigation.", "Disposable irrigation sleeves."),
     "box", [30], (350, 700), "none"),
    ("paste_rings", "Tætningsring", None,
     ("Formbar tætningsring, der udfylder ujævnheder omkring stomien.", "Mouldable seal ring that fills uneven skin around the stoma."),
     "box", [10, 30], (200, 450), "ring"),
    ("paste_rings", "Stomipasta", None,
     ("Pasta til udfyldning af ar og folder, tube 60 g.", "Paste for filling scars and folds, 60 g tube."),
     "piece", [1], (60, 140), "none"),
    ("adhesive_remover", "Klæbefjerner spray", None,
     ("Spray, der fjerner klæber uden at irritere huden, 50 ml.", "Spray that removes adhesive without irritating the skin, 50 ml."),
     "piece", [1], (80, 180), "none"),
    ("adhesive_remover", "Klæbefjerner servietter", None,
     ("Engangsservietter, der fjerner klæberester.", "Single-use wipes that remove adhesive residue."),
     "box", [30, 50], (90, 200), "none"),
    ("barrier_film", "Hudbeskyttelse servietter", None,
     ("Servietter, der lægger en beskyttende film på huden.", "Wipes that leave a protective film on the skin."),
     "box", [30], (120, 260), "none"),
    ("belt", "Stomibælte", None,
     ("Justerbart bælte, der holder posen på plads.", "Adjustable belt that keeps the bag in place."),
     "piece", [1], (90, 220), "belt"),
    ("disposal_bag", "Affaldsposer", None,
     ("Lugttætte poser til bortskaffelse af brugte poser.", "Odour-proof bags for disposing of used bags."),
     "box", [100], (40, 95), "none"),
]


def _gtin(manufacturer_index: int, serial: int) -> str:
    # Prefix 2 is GS1's restricted-circulation range: these numbers can never clash with a real product.
    body = f"2{manufacturer_index:02d}{serial:09d}"
    return body + ean.calc_check_digit(body)


def _price(rng, low: int, high: int) -> int:
    # Whole kroner or fifty øre, like real price lists.
    return rng.randrange(low, high + 1) * 100 + rng.choice([0, 0, 50, 95])


def previous_price(price_oere: int) -> int:
    """The previous contract's price: about 4 % below today's, to the nearest 50 øre (no random draw, so the seed's
    stream and with it the rest of the demo data stay as they were)."""
    return max(50, round(price_oere * 0.96 / 50) * 50)


def _sizes(rng, sizing: str) -> list[dict]:
    """The size variants of one product: cutting ranges, pre-cut sizes or coupling sizes."""
    if sizing in ("flat", "convex"):
        ranges = sorted(rng.sample(CUT_RANGES, 3))
        precut = sorted(rng.sample(PRECUT_SIZES, rng.randrange(3, 6)))
        sizes = [{"cut_min_mm": lo, "cut_max_mm": hi} for lo, hi in ranges] + [{"precut_mm": p} for p in precut]
        return [dict(s, convex=sizing == "convex") for s in sizes]
    if sizing in ("coupling", "coupling_convex"):
        couplings = sorted(rng.sample(list(COUPLINGS), 3))
        sizes = []
        for coupling in couplings:
            lo, hi = COUPLINGS[coupling]
            sizes.append({"coupling_mm": coupling, "cut_min_mm": lo, "cut_max_mm": hi})
            if sizing == "coupling" and rng.random() < 0.5:
                sizes.append({"coupling_mm": coupling, "precut_mm": min(hi, rng.choice(PRECUT_SIZES))})
        return [dict(s, convex=sizing == "coupling_convex") for s in sizes]
    if sizing == "bag_coupling":
        return [{"coupling_mm": c, "convex": False} for c in sorted(rng.sample(list(COUPLINGS), 3))]
    if sizing == "ring":
        return [{"precut_mm": p, "convex": False} for p in sorted(rng.sample(PRECUT_SIZES, 3))]
    if sizing == "belt":
        return [{"convex": False, "_label": label} for label in ("S/M", "L/XL")]
    return [{"convex": False}]


def generate_catalogue(ctx) -> None:
    """Create the stoma categories and the demo assortment with the current and the previous contract's prices, in bulk;
    deterministic for a seed (ctx.rng only)."""
    rng = ctx.rng
    categories = ensure_stoma_categories()
    product_rows, variant_specs = [], []
    hmi_serial = 30_000
    for m_index, (manufacturer, prefix, brand) in enumerate(MANUFACTURERS, start=1):
        serial = 0
        for code, suffix, system, (desc_da, desc_en), unit, packs, (low, high), sizing in TEMPLATES:
            # Not every manufacturer offers every product line: a narrower assortment, like a real tender.
            if rng.random() < 0.1:
                continue
            hmi_serial += rng.randrange(1, 40)
            product_rows.append({
                "category_id": categories[code].id, "manufacturer": manufacturer, "name": f"{brand} {suffix}",
                "description_da": desc_da, "description_en": desc_en, "system": system, "active": True,
                "hmi_number": str(hmi_serial) if rng.random() < 0.7 else None,
            })
            specs = []
            for size in _sizes(rng, sizing):
                pack = rng.choice(packs)
                label = size.pop("_label", None)
                serial += 1
                specs.append({
                    "article_number": f"{prefix}-{serial:05d}" + (f"-{label.replace('/', '')}" if label else ""),
                    "gtin": _gtin(m_index, serial), "pack_size": pack, "unit": unit,
                    "precut_mm": size.get("precut_mm"), "cut_min_mm": size.get("cut_min_mm"),
                    "cut_max_mm": size.get("cut_max_mm"), "coupling_mm": size.get("coupling_mm"),
                    "convex": size["convex"], "active": True,
                    # The price range is for the larger pack; a smaller pack costs proportionally less.
                    "_price": _price(rng, low * pack // max(packs), high * pack // max(packs)),
                })
            variant_specs.append(specs)
    product_ids = db.session.scalars(
        insert(Product).returning(Product.id, sort_by_parameter_order=True), product_rows
    ).all()
    variant_rows, prices = [], []
    for product_id, specs in zip(product_ids, variant_specs):
        for spec in specs:
            prices.append(spec.pop("_price"))
            variant_rows.append(dict(spec, product_id=product_id))
    variant_ids = db.session.scalars(
        insert(Variant).returning(Variant.id, sort_by_parameter_order=True), variant_rows
    ).all()
    db.session.execute(insert(ContractPrice), [
        {"variant_id": vid, "valid_from": CONTRACT_START, "valid_to": None, "contract_reference": CONTRACT_REFERENCE,
         "price_oere": price, "vat_rate_pct": 25}
        for vid, price in zip(variant_ids, prices)
    ] + [
        {"variant_id": vid, "valid_from": PREVIOUS_CONTRACT_START, "valid_to": CONTRACT_START - timedelta(days=1),
         "contract_reference": PREVIOUS_CONTRACT_REFERENCE, "price_oere": previous_price(price), "vat_rate_pct": 25}
        for vid, price in zip(variant_ids, prices)
    ])
    ctx.echo(f"{len(variant_ids)} catalogue variants in {len(product_ids)} products")
