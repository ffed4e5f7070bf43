"""Supplier change: mapping an ending variant creates one review task per citizen granted it, and changes no grant."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from catalogue import supplier_change
from catalogue.models import ReviewStatus, SupplierChangeReview, VariantSuccessor
from catalogue.services import CatalogueError, CatalogueValidationError, discontinue_variant
from stomi_app.extensions import db
from grants.services import GrantLineInput, create_grant, end_grant
from grants.models import GrantLine, GrantPeriod
from stomi_app.models import Role
from tests import factories

ON = date(2026, 6, 1)


@pytest.fixture
def change(world, build):
    product = build.product(name="Gammel pose")
    old, new_a, new_b, other = (build.variant(product, article=a) for a in ("OLD-1", "NEW-A", "NEW-B", "OTHER"))
    officer = world[Role.GRANT_OFFICER]
    birthe, aase = world["citizen"], factories.citizen(name="Aase")
    outsider = factories.citizen(name="Uden bevilling")

    def grant(citizen, *lines, **kw):
        valid_from = kw.get("valid_from", date(2026, 1, 1))
        with factories.decided_on(valid_from):
            return create_grant(officer, citizen, legal_basis="Serviceloven § 112", valid_from=valid_from,
                                valid_to=kw.get("valid_to"), reason="Test", lines=list(lines))

    grant(birthe, GrantLineInput(quantity=2, period=GrantPeriod.MONTH, variant_id=old.id))
    grant(aase, GrantLineInput(quantity=1, period=GrantPeriod.MONTH, variant_id=old.id),
          GrantLineInput(quantity=1, period=GrantPeriod.MONTH, variant_id=other.id))
    # Not affected: a grant for another variant, a category-wide line, and an ended grant.
    grant(outsider, GrantLineInput(quantity=1, period=GrantPeriod.MONTH, variant_id=other.id),
          GrantLineInput(quantity=1, period=GrantPeriod.MONTH, category_id=product.category_id))
    ended = grant(factories.citizen(name="Afsluttet"), GrantLineInput(quantity=1, period=GrantPeriod.MONTH, variant_id=old.id),
                  valid_to=date(2026, 3, 31))
    end_grant(officer, ended, end_date=date(2026, 3, 31), reason="Flyttet")
    db.session.commit()
    return {"old": old, "new_a": new_a, "new_b": new_b, "other": other, "birthe": birthe, "aase": aase, "admin": world[Role.FSC_ADMIN]}


def test_affected_citizens_are_those_granted_the_variant(change):
    assert supplier_change.affected_citizen_ids(change["old"].id, ON) == sorted([change["birthe"].id, change["aase"].id])


def test_mapping_creates_review_tasks_and_changes_no_grant(change):
    lines_before = db.session.execute(select(GrantLine.id, GrantLine.variant_id).order_by(GrantLine.id)).all()
    result = supplier_change.map_successors(change["old"], [change["new_a"], change["new_b"]], by=change["admin"], on=ON)
    db.session.commit()
    assert (result.successors_created, result.tasks_created) == (2, 2)
    reviews = supplier_change.open_reviews()
    assert sorted(r.citizen_id for r in reviews) == sorted([change["birthe"].id, change["aase"].id])
    assert all(r.status is ReviewStatus.OPEN and r.old_variant_id == change["old"].id for r in reviews)
    assert all(sorted(v.article_number for v in r.suggested_variants) == ["NEW-A", "NEW-B"] for r in reviews)
    mapping = db.session.scalars(select(VariantSuccessor)).first()
    assert mapping.mapped_by_id == change["admin"].id and mapping.mapped_at is not None
    assert db.session.execute(select(GrantLine.id, GrantLine.variant_id).order_by(GrantLine.id)).all() == lines_before


def test_mapping_again_adds_suggestions_without_duplicate_tasks(change):
    supplier_change.map_successors(change["old"], [change["new_a"]], by=change["admin"], on=ON)
    result = supplier_change.map_successors(change["old"], [change["new_a"], change["new_b"]], by=change["admin"], on=ON)
    assert (result.successors_created, result.tasks_created, result.tasks_updated) == (1, 0, 2)
    assert db.session.scalar(select(func.count(SupplierChangeReview.id))) == 2
    review = supplier_change.open_reviews([change["birthe"].id])[0]
    assert [v.article_number for v in review.suggested_variants] == ["NEW-A", "NEW-B"]
    supplier_change.complete_review(review, by=change["admin"], note="Valgt NEW-A med borgeren")
    assert supplier_change.open_review_count() == 1
    with pytest.raises(CatalogueError):
        supplier_change.complete_review(review, by=change["admin"])


def test_bad_mappings_are_refused(change):
    with pytest.raises(CatalogueError):
        supplier_change.map_successors(change["old"], [change["old"]], by=None, on=ON)
    with pytest.raises(CatalogueError):
        supplier_change.map_successors(change["old"], [], by=None, on=ON)
    discontinue_variant(change["new_b"], ON)
    with pytest.raises(CatalogueError):
        supplier_change.map_successors(change["old"], [change["new_b"]], by=None, on=ON)
    with pytest.raises(CatalogueValidationError) as info:
        supplier_change.map_successors_by_article_numbers("NOPE", "NEW-A, ALSO-NOPE", by=None, on=ON)
    assert set(info.value.errors) == {"old_article_number", "new_article_numbers"}
    assert supplier_change.open_review_count() == 0


def test_the_admin_page_maps_by_article_numbers(client, auth, change):
    auth.staff(factories.STAFF[Role.FSC_ADMIN][0])
    response = client.post("/katalog/admin/leverandoerskift", data={"old_article_number": "OLD-1", "new_article_numbers": "NEW-A, NEW-B"})
    assert response.status_code == 302
    page = client.get("/katalog/admin/leverandoerskift").get_data(as_text=True)
    assert "NEW-B" in page and 'data-testid="open-reviews"' in page
    assert supplier_change.open_review_count() == 2
    response = client.post("/katalog/admin/leverandoerskift", data={"old_article_number": "OLD-1", "new_article_numbers": "NOPE"})
    assert response.status_code == 422 and 'id="new_article_numbers-error"' in response.get_data(as_text=True)
