"""A measure outside the cutting range of the citizen's own cut-to-fit baseplate is told at once, naming the product
(issue 19 item 8), at the range's boundaries, for granted and for ordered products alike."""
from __future__ import annotations

from datetime import date

import pytest

from ordering import services as ordering
from stomi_app.extensions import db
from citizens.clinical import CutShape
from citizens.clinical import CutShape
from tests.fixtures.grants import grant_for, line


def _login(auth):
    assert auth.citizen("150348-1234").status_code == 302


@pytest.mark.parametrize("diameter,fits", [(14, False), (15, True), (55, True), (56, False), (50, True)])
def test_products_not_fitting_at_the_range_boundaries(officer, citizen, shop, diameter, fits):
    grant_for(officer, citizen, line(2, variant=shop.plate), valid_from=date(2025, 1, 1))  # cut 15–55 mm
    measure = ordering.record_measure(citizen, shape=CutShape.ROUND, diameter_mm=diameter)
    assert ordering.products_not_fitting(citizen.id, measure) == ([] if fits else [shop.plate])


def test_an_oval_is_judged_by_its_larger_side(officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.plate), valid_from=date(2025, 1, 1))
    oval = ordering.record_measure(citizen, shape=CutShape.OVAL, width_mm=30, height_mm=60)
    assert ordering.products_not_fitting(citizen.id, oval) == [shop.plate]


def test_products_that_are_not_cut_and_products_she_does_not_use_are_left_out(officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.bag_a), line(2, category=shop.plates), valid_from=date(2025, 1, 1))
    measure = ordering.record_measure(citizen, shape=CutShape.ROUND, diameter_mm=90)
    assert ordering.products_not_fitting(citizen.id, measure) == []


def test_saving_a_measure_that_does_not_fit_warns_at_once_and_names_the_product(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.plate), valid_from=date(2025, 1, 1))
    db.session.commit()
    _login(auth)
    response = client.post("/borger/maal", data={"shape": "round", "diameter_mm": "60"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/borger/maal")
    html = client.get("/borger/maal").get_data(as_text=True)
    assert 'data-testid="measure-misfit"' in html
    assert "Hudvenlig basisplade" in html and "15–55 mm" in html
    assert 'href="/borger/raadgivning"' in html  # where to ask a nurse
    assert "Dit mål er gemt" in html  # saved all the same: the measure is a fact, the nurse confirms it


def test_a_measure_that_fits_goes_back_to_the_start_without_a_warning(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.plate), valid_from=date(2025, 1, 1))
    db.session.commit()
    _login(auth)
    response = client.post("/borger/maal", data={"shape": "round", "diameter_mm": "40"})
    assert response.headers["Location"].endswith("/borger/")
    assert 'data-testid="measure-misfit"' not in client.get("/borger/maal").get_data(as_text=True)
