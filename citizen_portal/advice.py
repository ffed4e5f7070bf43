"""The citizen's side of impartial advice: ask a stoma nurse, read the answers, ask for another product."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from catalogue.services import variant_by_article_number
from citizen_portal.blueprint import bp
from stomi_app import labels, reference
from care import approvals
from care import nursing
from stomi_app.forms import BaseForm, apply_errors
from grants.services import consumption
from stomi_app.i18n import lazy_gettext as _l
from ordering.forms import product_search
from stomi_app.timeutil import local_today


class AskForm(BaseForm):
    text = TextAreaField(_l("Your question"), validators=[Optional(), Length(max=nursing.MAX_TEXT)],
                         description=_l("For example about leaks, sore skin or which product suits you. A stoma nurse answers here."))


class ReplyForm(BaseForm):
    text = TextAreaField(_l("Write back"), validators=[Optional(), Length(max=nursing.MAX_TEXT)])


class ProductChangeForm(BaseForm):
    current = SelectField(_l("The product you have now"), validators=[Optional()], validate_choice=False)
    wanted = StringField(_l("Article number of the product you would like"), validators=[Optional(), Length(max=40)],
                         description=_l("Find it in the shared catalogue."))
    reason = TextAreaField(_l("Why would you like another product?"), validators=[Optional(), Length(max=2000)])


def _show_errors(form, errors: dict) -> None:
    for message in apply_errors(form, errors).values():  # what belongs to no field goes at the top of the page
        flash(message, "error")


@bp.context_processor
def _advice_marker():
    # Lazy: only the pages that show the marker (the start page) pay for the query.
    return {"unread_advice": lambda: nursing.unread_answers(current_user.id) if getattr(current_user, "is_citizen", False) else 0}


@bp.route("/raadgivning", methods=["GET", "POST"])
def advice():
    form = AskForm()
    refused = False
    if form.validate_on_submit():
        try:
            question = nursing.ask_advice(current_user, form.text.data)
        except nursing.NursingError as exc:
            refused = True
            _show_errors(form, exc.errors)
        else:
            flash(_("Your question is sent. A stoma nurse answers here, usually within two working days."), "success")
            return redirect(url_for(".advice_thread", question_id=question.id))
    page = render_template("citizen_portal/advice.html", form=form, questions=nursing.citizen_questions(current_user.id),
                           advice_status=labels.ADVICE_STATUS, emergency=reference.EMERGENCY_NUMBER,
                           helpline=reference.medical_helpline(current_user.municipality.region.code))
    # A refusal whose message belongs to no field is a refusal all the same: 422, and nothing of it is saved.
    return page, (422 if form.errors or refused else 200)


@bp.route("/raadgivning/<int:question_id>", methods=["GET", "POST"])
def advice_thread(question_id: int):
    question = nursing.citizen_question(current_user.id, question_id)
    if question is None:
        abort(404)
    form = ReplyForm()
    refused = False
    if form.validate_on_submit():
        try:
            nursing.citizen_reply(current_user, question, form.text.data)
        except nursing.NursingError as exc:  # e.g. the conversation was closed: said at the top of the page
            refused = True
            _show_errors(form, exc.errors)
        else:
            flash(_("Your message is sent."), "success")
            return redirect(url_for(".advice_thread", question_id=question.id))
    if request.method == "GET" and question.citizen_unread:
        nursing.mark_read(question)
    return render_template("citizen_portal/advice_thread.html", question=question, form=form,
                           advice_status=labels.ADVICE_STATUS), (422 if form.errors or refused else 200)


@bp.route("/produktskift", methods=["GET", "POST"])
def product_change():
    form = ProductChangeForm()
    granted = {}
    for use in consumption(current_user.id, local_today()):
        if use.line.variant is not None:
            granted[str(use.line.variant.id)] = use.line.variant
    form.current.choices = [("", _("Not one of these"))] + [(key, v.display_name) for key, v in granted.items()]
    picked = request.form.get("pick", "").strip() if request.method == "POST" else ""
    refused = False
    if picked:  # chosen from the search's results: fill it in, send nothing yet (the reason may still be missing)
        form.wanted.data = picked[:40]
    elif form.validate_on_submit():
        article = (form.wanted.data or "").strip()
        wanted = variant_by_article_number(article) if article else None
        try:
            approvals.request_product_change(current_user, wanted_variant=wanted,
                                             reason=form.reason.data, current_variant=granted.get(form.current.data or ""))
        except nursing.NursingError as exc:
            refused = True
            if article and wanted is None:  # typed, but no such product: say so, not "choose a product"
                exc.errors["wanted"] = _("No product has the article number %(article)s.", article=article)
            _show_errors(form, exc.errors)
        else:
            flash(_("Your request is sent. A stoma nurse looks at it and you can read the answer here."), "success")
            return redirect(url_for(".product_change"))
    finder, hits = product_search(request.args)
    chosen = variant_by_article_number(form.wanted.data.strip()) if (form.wanted.data or "").strip() else None
    return render_template("citizen_portal/product_change.html", form=form, changes=approvals.product_changes_of(current_user.id),
                           request_status=labels.REQUEST_STATUS, finder=finder, hits=hits, chosen=chosen,
                           locale=str(get_locale())), (422 if form.errors or refused else 200)
