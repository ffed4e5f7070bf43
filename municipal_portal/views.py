"""Views of the municipal portal; every query is scoped to the officer's own municipality."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from datetime import timedelta

from flask_babel import get_locale, gettext as _
from flask_login import current_user

from catalogue.services import categories
from municipal_portal.blueprint import bp
from municipal_portal import services
from municipal_portal.forms import (
    BLANK_LINE_ROWS, CaseNoteForm, EndGrantForm, GrantForm, OrderDecisionForm, SearchForm, WithdrawEndingForm, add_error, error_list,
)
from care import approvals
from decisions import letters
from ordering import services as ordering
from care.approvals import count_pending_recommendations
from stomi_app.audit import record
from stomi_app.auth.roles import restrict_blueprint
from care.discharge import open_discharge_recommendations
from stomi_app import transaction
from grants.services import (
    GrantError, add_case_note, case_notes, change_grant, date_problems, citizens_near_or_over, create_grant, end_grant,
    withdraw_ending,
)
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.labels import RECOMMENDATION_KIND
from stomi_app.forms import apply_errors
from grants.services import GrantAccessDenied
from ordering.models import OrderStatus
from stomi_app.models import Role
from care.nursing import NursingError, needs_nurse
from stomi_app.money import input_text
from stomi_app.paging import capped_message
from stomi_app.text import clean_text
from stomi_app.timeutil import local_today

# Municipal managers get in too, but only to the read-only pages listed in statistics_views.MANAGER_ENDPOINTS.
restrict_blueprint(bp, Role.GRANT_OFFICER, Role.MUNICIPAL_MANAGER)

NEAR_LIST_LIMIT = 300
CHANGE_LABELS = {"created": _l("Created"), "changed": _l("Changed"), "ended": _l("Ended"),
                 "end_withdrawn": _l("Ending withdrawn")}


def _municipality_id() -> int:
    return current_user.municipality_id


def _citizen_or_404(citizen_id: int):
    citizen = services.citizen_of(_municipality_id(), citizen_id)
    if citizen is None:
        abort(404)
    return citizen


def _grant_or_404(grant_id: int):
    grant = services.grant_of(_municipality_id(), grant_id)
    if grant is None:
        abort(404)
    return grant


@bp.route("/")
def start():
    figures = services.start_figures(_municipality_id(), local_today())
    return render_template("municipal_portal/start.html", municipality=current_user.municipality, figures=figures,
                           form=SearchForm(), discharges=len(open_discharge_recommendations(_municipality_id())),
                           recommendations=count_pending_recommendations(_municipality_id()))


# The last search's hits, kept as citizen ids only (as the callcenter keeps its search): never the typed text.
SEARCH_KEY = "municipal_search"
SEARCH_TOTAL_KEY = "municipal_search_total"  # how many matched, when only the first SEARCH_LIMIT are kept


@bp.route("/borgere", methods=["GET", "POST"])
def search():
    form = SearchForm()
    if form.validate_on_submit():
        try:
            results, criterion = services.search_citizens(_municipality_id(), form.q.data)
        except services.CriterionError as exc:
            add_error(form.q, _("Enter a name or a CPR number.") if exc.kind == "empty" else
                      _("A CPR number is 10 digits forming a real birth date, e.g. 150348-1234."))
        else:
            record(current_user, "search", "Find a citizen (grant officer)", detail=f"{criterion}; hits={len(results)}")
            session[SEARCH_KEY] = [c.id for c in results]
            session[SEARCH_TOTAL_KEY] = results.total
            return redirect(url_for(".search"))
    ids = session.get(SEARCH_KEY) if request.method == "GET" else None
    results = services.citizens_of(_municipality_id(), ids) if ids else []
    count = (capped_message(len(results), session.get(SEARCH_TOTAL_KEY) or 0)
             or _("Citizens found: %(num)s", num=len(results))) if ids is not None else None
    return render_template("municipal_portal/search.html", form=form, results=results, searched=ids is not None,
                           result_count=count, errors=error_list(form)), 422 if form.errors else 200


@bp.route("/borger/<int:citizen_id>", methods=["GET", "POST"])
def citizen(citizen_id: int):
    citizen = _citizen_or_404(citizen_id)
    note_form = CaseNoteForm()
    if note_form.validate_on_submit():
        try:
            add_case_note(current_user, citizen, note_form.text.data)
        except GrantAccessDenied:
            abort(404)
        except GrantError as exc:
            transaction.discard()  # the page shown again keeps its audited read, never the refused note
            citizen = _citizen_or_404(citizen_id)
            apply_errors(note_form, exc.errors)
        else:
            flash(_("The case note has been saved."), "success")
            return redirect(url_for(".citizen", citizen_id=citizen_id) + "#case-notes")
    overview = services.citizen_overview(citizen, local_today())
    notes = case_notes(_municipality_id(), citizen.id)
    record(current_user, "read", "Citizen's grants and consumption (grant officer)", citizen=citizen,
           detail=f"case_notes={len(notes)}" if notes else None)
    transaction.keep()  # the officer read the citizen also when a refused note is shown again (422)
    return render_template("municipal_portal/citizen.html", o=overview, today=local_today(), locale=str(get_locale()),
                           note_form=note_form, notes=notes, note_errors=error_list(note_form),
                           one_day=timedelta(days=1), change_labels=CHANGE_LABELS, recommendation_kinds=RECOMMENDATION_KIND,
                           letter_actions=letters.LETTER_ACTIONS,
                           letter_orders={o.id for o in letters.order_letters(citizen.id)}), \
        422 if note_form.errors else 200


def _category_choices() -> tuple[list[tuple], set[int]]:
    locale = str(get_locale())
    cats = categories()
    return [("", _("Choose a category"))] + [(c.id, c.name(locale)) for c in cats], {c.id for c in cats}


def _prefill(form: GrantForm, grant) -> None:
    """A change starts from the lines in force, with blank rows after them for new lines."""
    form.legal_basis.data, form.valid_from.data = grant.legal_basis, grant.valid_from
    form.valid_to.data, form.express_per_year.data = grant.valid_to, grant.express_per_year
    form.paying_municipality_id.data = grant.paying_municipality_id or grant.municipality_id
    form.follow_up_on.data = grant.follow_up_on
    while len(form.lines):
        form.lines.pop_entry()
    for line in grant.lines:
        form.lines.append_entry({
            "article_number": line.variant.article_number if line.variant else "",
            "category_id": line.category_id, "quantity": str(line.quantity), "period": line.period.value,
            "price_ceiling": input_text(line.price_ceiling_oere),
        })
    for _i in range(BLANK_LINE_ROWS):
        form.lines.append_entry()


def _apply(form, exc: GrantError) -> None:
    """Put the service's message next to the field it names; line-level ones go above the line rows."""
    if exc.field in form and exc.field != "lines":
        add_error(form[exc.field], str(exc))
    elif exc.field == "lines":
        form.lines_errors.append(str(exc))
    else:
        form.form_errors.append(str(exc))


def _shown_form(citizen, purpose: str) -> int:
    """A grant form shows the citizen's grant: audit it as a read (also when a refused POST is shown again)."""
    record(current_user, "read", purpose, citizen=citizen)
    transaction.keep()  # kept although the refused POST answers 422 (`_save` discarded the refused change)
    return 422 if request.method == "POST" else 200


def _grant_page(form, citizen, grant=None):
    status = _shown_form(citizen, "Grant form (grant officer)")
    return render_template("municipal_portal/grant_form.html", form=form, citizen=citizen, grant=grant,
                           errors=error_list(form), variants=services.variant_choices()), status


def _with_categories(form: GrantForm) -> set[int]:
    choices, category_ids = _category_choices()
    form.set_category_choices(choices)
    # The acting municipality (the officer's, the citizen's home) pays unless another is chosen.
    form.paying_municipality_id.choices = [(m.id, m.name) for m in services.municipalities()]
    if form.paying_municipality_id.data is None:
        form.paying_municipality_id.data = _municipality_id()
    return category_ids


def _submitted_lines(form: GrantForm, category_ids: set[int], citizen, grant=None):
    """The grant lines of a valid POST, or None: every field's problem is then marked on the form, the grant rules'
    date problems too (else they would show only after the officer has fixed the rest)."""
    valid = form.validate()
    lines = form.line_inputs(category_ids)
    if valid and lines is not None:
        return lines
    if form.valid_from.data and not form.valid_from.errors and not form.valid_to.errors:
        for problem in date_problems(citizen, grant, form.valid_from.data, form.valid_to.data):
            if problem.field not in form or not form[problem.field].errors:
                _apply(form, problem)
    return None


def _grant_values(form: GrantForm, lines) -> dict:
    return {"legal_basis": form.legal_basis.data, "valid_from": form.valid_from.data, "valid_to": form.valid_to.data,
            "lines": lines, "reason": form.reason.data, "express_per_year": form.express_per_year.data,
            "paying_municipality_id": form.paying_municipality_id.data or _municipality_id(),
            "follow_up_on": form.follow_up_on.data}


def _save(form, citizen, action, purpose: str, message: str, detail):
    """Run one grant service call: on a GrantError nothing of it is kept and the message goes by its field;
    otherwise audit and go back to the citizen (the request commits both)."""
    citizen_id = citizen.id
    try:
        grant = action()
    except GrantError as exc:
        transaction.discard()  # the form shown again keeps only its audited read (`_shown_form`)
        _apply(form, exc)
        return None
    record(current_user, "change", purpose, citizen=citizen, detail=detail(grant))
    flash(message, "success")
    return redirect(url_for("municipal_portal.citizen", citizen_id=citizen_id))


@bp.route("/borger/<int:citizen_id>/bevilling/ny", methods=["GET", "POST"])
def grant_new(citizen_id: int):
    citizen = _citizen_or_404(citizen_id)
    form = GrantForm()
    if request.method == "GET":
        form.valid_from.data = local_today()
    category_ids = _with_categories(form)
    if request.method == "POST" and (lines := _submitted_lines(form, category_ids, citizen)) is not None:
        done = _save(form, citizen, lambda: create_grant(current_user, citizen, **_grant_values(form, lines)),
                     "Grant created (grant officer)", _("The grant has been created."),
                     lambda g: f"grant={g.id} version=1 lines={len(lines)}")
        if done:
            return done
    return _grant_page(form, citizen)


@bp.route("/bevilling/<int:grant_id>/ret", methods=["GET", "POST"])
def grant_change(grant_id: int):
    grant = _grant_or_404(grant_id)
    form = GrantForm()
    if request.method == "GET":
        _prefill(form, grant)
    category_ids = _with_categories(form)
    if request.method == "POST" and (lines := _submitted_lines(form, category_ids, grant.citizen, grant)) is not None:
        done = _save(form, grant.citizen, lambda: change_grant(current_user, grant, **_grant_values(form, lines)),
                     "Grant changed (grant officer)",
                     _("The grant has been changed. Orders waiting for approval that now fit the grant have been accepted."),
                     lambda g: f"grant={g.id} version={g.version} lines={len(lines)}")
        if done:
            return done
    return _grant_page(form, grant.citizen, grant)


@bp.route("/bevilling/<int:grant_id>/afslut", methods=["GET", "POST"])
def grant_end(grant_id: int):
    grant = _grant_or_404(grant_id)
    form = EndGrantForm()
    if form.validate_on_submit():
        done = _save(form, grant.citizen,
                     lambda: end_grant(current_user, grant, end_date=form.end_date.data, reason=form.reason.data),
                     "Grant ended (grant officer)", _("The grant has been ended."),
                     lambda g: f"grant={g.id} version={g.version} end={form.end_date.data.isoformat()}")
        if done:
            return done
    status = _shown_form(grant.citizen, "End a grant form (grant officer)")
    return render_template("municipal_portal/grant_end.html", form=form, grant=grant, citizen=grant.citizen,
                           errors=error_list(form)), status


@bp.route("/bevilling/<int:grant_id>/fortryd-afslutning", methods=["GET", "POST"])
def grant_withdraw_ending(grant_id: int):
    grant = _grant_or_404(grant_id)
    form = WithdrawEndingForm()
    if form.validate_on_submit():
        last_day = grant.valid_to
        done = _save(form, grant.citizen, lambda: withdraw_ending(current_user, grant, reason=form.reason.data),
                     "Grant ending withdrawn (grant officer)", _("The ending has been withdrawn: the grant continues."),
                     lambda g: f"grant={g.id} version={g.version} withdrawn_end={last_day.isoformat() if last_day else ''}")
        if done:
            return done
    status = _shown_form(grant.citizen, "Withdraw a grant ending form (grant officer)")
    return render_template("municipal_portal/grant_withdraw_ending.html", form=form, grant=grant, citizen=grant.citizen,
                           errors=error_list(form)), status


@bp.route("/forbrug")
def near_or_over():
    rows = citizens_near_or_over(_municipality_id(), local_today())
    # Highest first; beyond a few hundred rows a list stops being read, and the page gets slow to render.
    return render_template("municipal_portal/near_or_over.html", rows=rows[:NEAR_LIST_LIMIT], total=len(rows),
                           locale=str(get_locale()))


@bp.route("/afventer")
def awaiting():
    orders = services.awaiting_approval(_municipality_id())
    return render_template("municipal_portal/awaiting.html", orders=orders, routing_labels=ordering.SHORT_ROUTING_REASONS,
                           clinical={o.id for o in orders if needs_nurse(o)})


@bp.route("/afventer/<int:order_id>", methods=["GET", "POST"])
def awaiting_order(order_id: int):
    """One waiting order: the grant officer approves or rejects it on budget; a clinical one is the nurse's."""
    order = services.waiting_order_of(_municipality_id(), order_id)
    if order is None:
        abort(404)
    form = OrderDecisionForm()
    errors = {}
    if form.validate_on_submit():
        approve = "approve" in request.form
        number = order.number
        try:
            approvals.officer_decide_order(current_user, order, approve=approve, reason=clean_text(form.reason.data))
        except GrantAccessDenied:
            abort(404)
        except NursingError as exc:
            transaction.discard()  # the page shown again keeps its audited read, never the refused decision
            errors = apply_errors(form, exc.errors)
        else:
            flash(_("Order %(number)s is approved.", number=number) if approve else
                  _("Order %(number)s is rejected. The citizen can read why.", number=number), "success")
            return redirect(url_for(".awaiting"))
    record(current_user, "read", "Order awaiting approval (grant officer)", citizen=order.citizen, detail=f"order={order.id}")
    transaction.keep()  # the officer read the order also when a refused decision is shown again (422)
    return render_template("municipal_portal/awaiting_order.html", order=order, form=form, errors=errors,
                           routing_labels=ordering.SHORT_ROUTING_REASONS, order_reasons=ordering.SHORT_ORDER_REASONS,
                           reasons=ordering.order_reasons_of(order), clinical=needs_nurse(order),
                           waiting=order.status is OrderStatus.AWAITING_APPROVAL), 422 if request.method == "POST" else 200


@bp.route("/afgoerelse/bevilling/<int:change_id>.pdf")
def grant_letter(change_id: int):
    """The decision letter of a grant's version, as the citizen receives it; opening it is a read of the citizen."""
    change = letters.grant_letter_of(change_id, municipality_id=_municipality_id())
    if change is None:
        abort(404)
    letter = letters.grant_letter(change)
    record(current_user, "read", "Decision letter (grant officer)", citizen=change.grant.citizen,
           detail=f"grant={change.grant_id} version={change.version}")
    return letters.pdf_response(letter, "bevilling", change.id)


@bp.route("/afgoerelse/ordre/<int:order_id>.pdf")
def order_letter(order_id: int):
    order = letters.order_letter_of(order_id, municipality_id=_municipality_id())
    if order is None:
        abort(404)
    letter = letters.order_letter(order)
    record(current_user, "read", "Decision letter (grant officer)", citizen=order.citizen, detail=f"order={order.id}")
    return letters.pdf_response(letter, "ordre", order.id)
