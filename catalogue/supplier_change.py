"""Supplier change: map ending variants to their equivalents and give the nurses a review task per citizen affected."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalogue.models import ReviewStatus, SupplierChangeReview, Variant, VariantSuccessor
from catalogue.services import CatalogueError, CatalogueValidationError
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.text import clean_text
from catalogue.models import SUPPLIER_REVIEW_FLOW


@dataclass
class MappingResult:
    successors_created: int = 0
    tasks_created: int = 0
    tasks_updated: int = 0


def affected_citizen_ids(variant_id: int, on: date) -> list[int]:
    """Citizens with a grant line in force (or starting later) for exactly this variant.

    The only place that reads the grant tables: category-wide grant lines are not affected, since
    any variant of the category still fulfils them."""
    # Imported here: importing the catalogue's models loads this package, whose views load this module.
    from grants.models import Grant, GrantLine

    return list(db.session.scalars(
        select(Grant.citizen_id).distinct()
        .join(GrantLine, GrantLine.grant_id == Grant.id)
        .where(
            GrantLine.variant_id == variant_id,
            GrantLine.replaced_at.is_(None),
            Grant.in_force_during(on, date.max),  # in force on `on` or later; an ending decided counts until its day
        )
        .order_by(Grant.citizen_id)
    ))


def map_successors(old: Variant, new_variants: list[Variant], *, by, on: date) -> MappingResult:
    """Record `new_variants` as the equivalents of `old` and open (or refresh) a review task per citizen affected.

    Nobody's grant or order changes here: the nurse decides with the citizen."""
    if not new_variants:
        raise CatalogueError(_("Enter at least one article number."), "new_article_numbers")
    if any(v.id == old.id for v in new_variants):
        raise CatalogueError(_("A variant cannot be its own successor."), "new_article_numbers")
    inactive = [v.article_number for v in new_variants if not v.active or not v.product.active]
    if inactive:
        raise CatalogueError(_("These variants are discontinued and cannot be successors: %(articles)s.",
                               articles=", ".join(inactive)), "new_article_numbers")
    result = MappingResult()
    existing = set(db.session.scalars(select(VariantSuccessor.new_variant_id).where(VariantSuccessor.old_variant_id == old.id)))
    for variant in new_variants:
        if variant.id not in existing:
            db.session.add(VariantSuccessor(old_variant_id=old.id, new_variant_id=variant.id,
                                            mapped_by_id=getattr(by, "id", None), mapped_at=utcnow()))
            existing.add(variant.id)
            result.successors_created += 1
    db.session.flush()
    suggestions = list(db.session.scalars(select(Variant).where(Variant.id.in_(existing)).order_by(Variant.article_number)))
    citizen_ids = affected_citizen_ids(old.id, on)
    open_reviews = {
        r.citizen_id: r for r in db.session.scalars(
            select(SupplierChangeReview).where(SupplierChangeReview.old_variant_id == old.id,
                                               SupplierChangeReview.status == ReviewStatus.OPEN)
            .options(selectinload(SupplierChangeReview.suggested_variants)))
    }
    for citizen_id in citizen_ids:
        review = open_reviews.get(citizen_id)
        if review is None:
            db.session.add(SupplierChangeReview(citizen_id=citizen_id, old_variant_id=old.id, status=ReviewStatus.OPEN,
                                                created_at=utcnow(), suggested_variants=list(suggestions)))
            result.tasks_created += 1
        elif {v.id for v in review.suggested_variants} != existing:
            review.suggested_variants = list(suggestions)
            result.tasks_updated += 1
    db.session.flush()
    return result


def _split_articles(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", clean_text(text)) if part]


def map_successors_by_article_numbers(old_article: str, new_articles: str, *, by, on: date) -> MappingResult:
    """The administrator's form: article numbers in, a mapping and review tasks out."""
    old_article = clean_text(old_article).strip()
    wanted = list(dict.fromkeys(_split_articles(new_articles)))
    found = {v.article_number: v for v in db.session.scalars(
        select(Variant).where(Variant.article_number.in_([old_article, *wanted])).options(selectinload(Variant.product)))}
    errors = {}
    if old_article not in found:
        errors["old_article_number"] = _("No variant has the article number %(article)s.", article=old_article)
    unknown = [a for a in wanted if a not in found]
    if unknown:
        errors["new_article_numbers"] = _("No variant has these article numbers: %(articles)s.", articles=", ".join(unknown))
    if errors:
        raise CatalogueValidationError(errors)
    return map_successors(found[old_article], [found[a] for a in wanted], by=by, on=on)


def recent_mappings(limit: int = 50) -> list[VariantSuccessor]:
    return list(db.session.scalars(
        select(VariantSuccessor)
        .options(selectinload(VariantSuccessor.old_variant).selectinload(Variant.product),
                 selectinload(VariantSuccessor.new_variant).selectinload(Variant.product))
        .order_by(VariantSuccessor.mapped_at.desc(), VariantSuccessor.id.desc()).limit(limit)
    ))


def open_review_count() -> int:
    return db.session.scalar(select(func.count(SupplierChangeReview.id)).where(SupplierChangeReview.status == ReviewStatus.OPEN)) or 0


def open_reviews(citizen_ids: list[int] | None = None) -> list[SupplierChangeReview]:
    """Open review tasks, oldest first, for the nurse console (optionally for some citizens only)."""
    stmt = (select(SupplierChangeReview).where(SupplierChangeReview.status == ReviewStatus.OPEN)
            .options(selectinload(SupplierChangeReview.old_variant).selectinload(Variant.product),
                     selectinload(SupplierChangeReview.suggested_variants).selectinload(Variant.product))
            .order_by(SupplierChangeReview.created_at, SupplierChangeReview.id))
    if citizen_ids is not None:
        stmt = stmt.where(SupplierChangeReview.citizen_id.in_(citizen_ids))
    return list(db.session.scalars(stmt))


def complete_review(review: SupplierChangeReview, *, by, note: str | None = None) -> SupplierChangeReview:
    if review.status is ReviewStatus.DONE:
        raise CatalogueError(_("The review task is already done."))
    SUPPLIER_REVIEW_FLOW.move(review, ReviewStatus.DONE)
    review.done_at = utcnow()
    review.done_by_id = getattr(by, "id", None)
    review.note = note
    db.session.flush()
    return review
