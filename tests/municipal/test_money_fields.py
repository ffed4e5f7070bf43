"""A grant line's price ceiling reads "1.500" as 1.500,00 kr. (stomi_app.money) and is filled in the same way."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from stomi_app.extensions import db
from grants.models import Grant, GrantLine
from stomi_app.timeutil import local_today
from tests.municipal.test_portal import grant_form


def _form(ceiling: str) -> dict:
    return grant_form(**{"lines-0-price_ceiling": ceiling, "valid_from": (local_today() - timedelta(days=20)).isoformat()})


@pytest.mark.parametrize("typed, oere", [("1.500", 150_000), ("1.500,5", 150_050), ("1,5", 150), ("1.250,50 kr.", 125_050)])
def test_a_price_ceiling_in_danish_notation(logged_in, citizen, shop, typed, oere):
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=_form(typed))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert db.session.scalar(select(GrantLine.price_ceiling_oere)) == oere
    grant = db.session.scalar(select(Grant))
    page = logged_in.get(f"/kommune/bevilling/{grant.id}/ret").get_data(as_text=True)
    assert f'value="{oere // 100},{oere % 100:02d}"' in page  # filled in as it is read back


@pytest.mark.parametrize("typed, says", [("1.50", "150 eller 1,5"), ("0", "over 0 kr."), ("-1.500", "over 0 kr."),
                                         ("1,505", "højst to decimaler")])
def test_a_price_ceiling_that_cannot_be_read(logged_in, citizen, shop, typed, says):
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=_form(typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="lines-0-price_ceiling-error"' in page and says in page
    assert db.session.scalar(select(Grant)) is None
