"""The hospital nurse's discharge registration: citizen, recommended products and cutting measure in one form."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from catalogue.services import variant_by_article_number
from nurse_console.blueprint import bp
from nurse_console.forms import DISCHARGE_ROWS, DischargeForm, stoma_choices
from stomi_app.forms import apply_errors
from care import discharge
from care import nursing
from stomi_app import transaction
from stomi_app.extensions import db
from stomi_app.models import Municipality
from ordering.forms import product_search
from stomi_app.text import clean_text
from stomi_app.userinput import record_id


# The registered citizen whose masked identity the nurse was last shown (an id, never the CPR number or the name).
CONFIRM_KEY = "discharge_confirm"


def _form() -> DischargeForm:
    form = DischargeForm()
    municipalities = db.session.scalars(select(Municipality).where(Municipality.active.is_(True)).order_by(Municipality.name))
    form.municipality_id.choices = [("", _("Choose"))] + [(str(m.id), m.name) for m in municipalities]
    form.stoma_type.choices = stoma_choices()
    return form


def _pick(rows: list[tuple[str, str]], typed: str, errors: dict) -> str | None:
    """Put the product picked from the search's results on the first empty line (its packs per month still to be
    given); return what to tell the nurse. Nothing is registered."""
    variant = variant_by_article_number(typed[:50])
    if variant is None:
        errors["products"] = _("No product in the catalogue has the article number %(article)s.", article=typed[:50] or "–")
        return None
    for index, (article, _qty) in enumerate(rows):
        if article.strip().lower() == variant.article_number.lower():
            return _("%(product)s is already on line %(n)s.", product=variant.display_name, n=index + 1)
    for index, (article, qty) in enumerate(rows):
        if not article.strip():
            rows[index] = (variant.article_number, qty)
            return _("%(product)s is on line %(n)s: give the packs per month.", product=variant.display_name, n=index + 1)
    errors["products"] = _("All %(n)s lines are used: clear one to add another product.", n=len(rows))
    return None


def _page(form, rows, errors, status=200, identity=None, note=None):
    """The form with the product search: its fields are posted with the form, so a search keeps what was typed."""
    finder, hits = product_search(request.form if request.method == "POST" else request.args)
    names = {}
    for article, _qty in rows:
        variant = variant_by_article_number(article) if article.strip() else None
        if variant is not None:
            names[article] = variant.display_name
    return render_template("nurse_console/discharge.html", form=form, rows=rows, errors=errors, identity=identity,
                           finder=finder, hits=hits, names=names, pick_note=note, locale=str(get_locale())), status


@bp.route("/udskrivelse", methods=["GET", "POST"])
def discharge_new():
    if not nursing.is_hospital_nurse(current_user):
        abort(403)
    form = _form()
    # The rows are read from the request (not a form class): they are cleaned here as every form field is.
    rows = [(clean_text(request.form.get(f"article-{i}")), clean_text(request.form.get(f"qty-{i}"))) for i in range(DISCHARGE_ROWS)]
    errors: dict = {}
    picked = clean_text(request.form.get("pick", "")).strip() if request.method == "POST" else ""
    if request.method == "POST" and (picked or request.form.get("find")):
        # A search or a pick from its results (CSRF-checked app-wide like every POST): the page again with everything
        # typed, nothing judged, saved or looked up about a citizen.
        note = _pick(rows, picked, errors) if picked else None
        return _page(form, rows, errors, 400 if errors else 200, note=note)
    if request.method == "POST":
        form.validate()  # reads the values (an unreadable date becomes None with its message); the service judges
        data = discharge.DischargeInput(
            cpr=form.cpr.data or "", name=form.name.data or "", address=form.address.data or "",
            postcode=form.postcode.data or "", city=form.city.data or "", phone=form.phone.data or "",
            municipality_id=record_id(form.municipality_id.data),
            stoma_type=form.stoma_type.data or "", operation_date=form.operation_date.data, products=rows,
            shape=form.shape.data or "round", diameter_mm=form.diameter_mm.data or "", width_mm=form.width_mm.data or "",
            height_mm=form.height_mm.data or "", note=form.note.data or "",
        )
        # A confirmation counts only for the citizen it was shown for, and only when the nurse ticked it.
        confirmed = session.get(CONFIRM_KEY) if form.confirm_identity.data else None
        try:
            recommendation, attached = discharge.register_discharge(current_user, data, confirmed_citizen_id=confirmed)
        except discharge.ConfirmIdentity as exc:  # answered 200: the audited look-up, all the service added, is saved
            session[CONFIRM_KEY] = exc.identity.citizen_id
            form.confirm_identity.data = False
            return _page(form, rows, {}, identity=exc.identity)
        except discharge.IdentityMismatch as exc:
            transaction.keep()  # the audited refusal is all the service added, and it stays although the answer is 422
            session.pop(CONFIRM_KEY, None)
            errors = apply_errors(form, exc.errors)
        except nursing.NursingError as exc:
            errors = apply_errors(form, exc.errors)
        else:
            if form.errors:  # e.g. a text longer than its field allows: nothing is saved then either (a 422)
                return _page(form, rows, errors, 422)
            session.pop(CONFIRM_KEY, None)
            if attached:
                flash(_("The citizen was already registered: the recommendation is added to their record. Stoma type, date of "
                        "operation and cutting measure are not changed; what differs is proposed to the citizen's own stoma nurses."),
                      "info")
            flash(_("The discharge is registered. The grant officer in %(municipality)s receives the recommendation.",
                    municipality=recommendation.municipality.name), "success")
            return redirect(url_for(".profile", citizen_id=recommendation.citizen_id))
    return _page(form, rows, errors, 422 if request.method == "POST" else 200)
