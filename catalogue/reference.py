"""The standard product area and categories of the stoma assortment, created once as data."""
from __future__ import annotations

from sqlalchemy import select

from catalogue.models import Category, ProductArea
from stomi_app.extensions import db

STOMA_AREA = ("stoma", "Stomi", "Stoma")

# code, Danish name, English name: in the order a nurse thinks of them (bags, plates, accessories).
STOMA_CATEGORIES = [
    ("bag_one_piece_closed", "1-dels lukket pose", "One-piece closed bag"),
    ("bag_one_piece_drainable", "1-dels tømbar pose", "One-piece drainable bag"),
    ("bag_urostomy", "Urostomipose", "Urostomy bag"),
    ("baseplate_two_piece", "2-dels basisplade", "Two-piece baseplate"),
    ("baseplate_convex", "Konveks basisplade", "Convex baseplate"),
    ("bag_two_piece", "2-dels pose", "Two-piece bag"),
    ("irrigation", "Irrigationsudstyr", "Irrigation"),
    ("paste_rings", "Pasta og ringe", "Paste and rings"),
    ("adhesive_remover", "Klæbefjerner", "Adhesive remover"),
    ("barrier_film", "Barrierefilm", "Barrier film"),
    ("belt", "Stomibælte", "Belt"),
    ("disposal_bag", "Affaldspose", "Disposal bag"),
]


def ensure_stoma_categories() -> dict[str, Category]:
    """Create the stoma area and its categories where missing; return every category by code."""
    code, name_da, name_en = STOMA_AREA
    area = db.session.scalar(select(ProductArea).where(ProductArea.code == code))
    if area is None:
        area = ProductArea(code=code, name_da=name_da, name_en=name_en)
        db.session.add(area)
        db.session.flush()
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (cat_code, cat_da, cat_en) in enumerate(STOMA_CATEGORIES, start=1):
        if cat_code not in existing:
            category = Category(product_area=area, code=cat_code, name_da=cat_da, name_en=cat_en, sort_order=order * 10)
            db.session.add(category)
            existing[cat_code] = category
    db.session.flush()
    return existing
