"""The grant officer's look-ups without HTTP: every one is scoped to the officer's municipality in the query."""
from __future__ import annotations

from datetime import date

import pytest

from municipal_portal import services
from stomi_app.extensions import db
from grants.services import citizens_near_or_over
from ordering.services import new_draft, set_draft_lines, submit
from tests import factories
from tests.fixtures.grants import grant_for, line

TODAY = date.today()


def test_search_by_name_is_partial_case_insensitive_and_local(citizen, foreign):
    aarhus = citizen.municipality_id
    found, criterion = services.search_citizens(aarhus, "  NIELS ")
    assert found == [citizen] and criterion == "name=NIELS"
    assert services.search_citizens(aarhus, "Mikkelsen")[0] == []
    assert services.search_citizens(foreign.municipality_id, "mikkel")[0] == [foreign]


def test_search_treats_wildcards_as_text(citizen):
    assert services.search_citizens(citizen.municipality_id, "%")[0] == []
    assert services.search_citizens(citizen.municipality_id, "_")[0] == []


def test_search_by_cpr_masks_the_criterion(citizen, foreign):
    found, criterion = services.search_citizens(citizen.municipality_id, "150348-1234")
    assert found == [citizen] and criterion == "cpr=150348-****"
    assert services.search_citizens(citizen.municipality_id, "0207562345")[0] == []


@pytest.mark.parametrize("text,kind", [("", "empty"), ("   ", "empty"), ("150348-12", "cpr"), ("3213481234", "cpr")])
def test_unusable_criteria(citizen, text, kind):
    with pytest.raises(services.CriterionError) as caught:
        services.search_citizens(citizen.municipality_id, text)
    assert caught.value.kind == kind


def test_foreign_ids_find_nothing(world, shop, citizen, foreign):
    grant = grant_for(world["officer_odense"], foreign, line(2, variant=shop.bag_a))
    assert services.citizen_of(citizen.municipality_id, foreign.id) is None
    assert services.grant_of(citizen.municipality_id, grant.id) is None
    assert services.grant_of(foreign.municipality_id, grant.id) is grant


def test_start_figures(officer, citizen, foreign, shop, world):
    grant_for(officer, citizen, line(1, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    grant_for(world["officer_odense"], foreign, line(1, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    for who in (citizen, foreign):
        order = new_draft(who)
        set_draft_lines(order, {shop.bag_a.id: 2})
        submit(order)
    db.session.commit()
    figures = services.start_figures(citizen.municipality_id, TODAY)
    assert (figures.citizens, figures.with_active_grant, figures.awaiting_approval) == (1, 1, 1)


def test_near_or_over_follows_the_citizen_when_they_move(officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = new_draft(citizen)
    set_draft_lines(order, {shop.bag_a.id: 2})
    submit(order)
    db.session.commit()
    aarhus = citizen.municipality_id
    [(who, use)] = citizens_near_or_over(aarhus, TODAY)
    assert who == citizen and use.utilisation == 1.0
    # After a move the old municipality must not see the citizen's consumption (its officers get 404 for them).
    citizen.municipality = factories.municipality(461)
    db.session.commit()
    assert citizens_near_or_over(aarhus, TODAY) == []
    assert [c for c, _u in citizens_near_or_over(citizen.municipality_id, TODAY)] == [citizen]
