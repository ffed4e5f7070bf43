"""Views of the nurse console: start page with counts, the queue, claims, citizen search and the clinical profile."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from nurse_console.blueprint import bp
from nurse_console.forms import (
    TASK_KINDS, ConfirmMeasureForm, MeasureForm, NoteForm, QueueFilterForm, SearchForm, StomaForm, stoma_choices,
)
from stomi_app import audit, labels, paging
from care import approvals
from care import nursing
from ordering import services as ordering
from stomi_app import transaction
from stomi_app.errors import DomainError
from stomi_app.auth.roles import restrict_blueprint
from care.discharge import discharges_by, open_proposals_of
from stomi_app.paging import capped_message
from stomi_app.extensions import db
from stomi_app.forms import apply_errors
from grants.services import consumption
from citizens.clinical import CuttingMeasure
from ordering.models import Order, OrderStatus
from stomi_app.models import Role, User
from care.models import TaskKind
from stomi_app.timeutil import local_today
from stomi_app.userinput import whole_number
from stomi_app.userinput import record_id

restrict_blueprint(bp, Role.NURSE)

# Where each kind of task is worked on.
TASK_PAGES = {
    TaskKind.ORDER: "nurse_console.order_task",
    TaskKind.PRODUCT_CHANGE: "nurse_console.product_change_task",
    TaskKind.ADVICE: "nurse_console.advice_task",
    TaskKind.MEASURE: "nurse_console.measure_task",
    TaskKind.SUPPLIER_REVIEW: "nurse_console.review_task",
    TaskKind.CUTTING_PROBLEM: "nurse_console.problem_task",
    TaskKind.DISCHARGE_PROPOSAL: "nurse_console.proposal_task",
}


def task_url(kind: TaskKind, ref_id: int) -> str:
    return url_for(TASK_PAGES[kind], ref_id=ref_id)


@bp.app_template_global("nurse_task_url")
def _task_url_global(kind, ref_id):
    return task_url(TaskKind(getattr(kind, "value", kind)), ref_id)


@bp.context_processor
def _labels():
    return {"task_kinds": TASK_KINDS, "is_hospital_nurse": nursing.is_hospital_nurse(current_user), "note_kinds": labels.NOTE_KIND,
            "advice_status": labels.ADVICE_STATUS, "request_status": labels.REQUEST_STATUS,
            "recommendation_kinds": labels.RECOMMENDATION_KIND, "recommendation_status": labels.RECOMMENDATION_STATUS,
            "proposal_status": labels.PROPOSAL_STATUS,
            "nurse_colleagues": lambda task: nursing.colleagues_for(current_user, task)}


def citizen_or_404(citizen_id: int):
    citizen = nursing.visible_citizen(current_user, citizen_id)
    if citizen is None:
        abort(404)
    return citizen


@bp.route("/")
def start():
    counts = nursing.queue_counts(current_user)
    discharges = discharges_by(current_user, limit=5) if nursing.is_hospital_nurse(current_user) else []
    # After the handover the citizen's record is no longer hers to open: the discharge is listed without a link.
    open_ids = {c.id for c in nursing.visible_citizens_by_id(current_user, [d.citizen_id for d in discharges])}
    return render_template("nurse_console/start.html", nurse=current_user, counts=counts, total=sum(counts.values()),
                           claims=nursing.my_claims(current_user), search=SearchForm(), discharges=discharges,
                           open_ids=open_ids)


@bp.route("/opgaver")
def tasks():
    form = QueueFilterForm(request.args)
    municipalities = nursing.municipalities_for(current_user)
    hospitals = nursing.hospitals_for(current_user)
    form.kind.choices = [("", _("All types"))] + [(k, str(v)) for k, v in TASK_KINDS.items()]
    form.municipality.choices = [("", _("All municipalities"))] + [(str(m.id), m.name) for m in municipalities]
    form.hospital.choices = [("", _("All hospitals"))] + [(h, h) for h in hospitals]
    # Unknown filter values (an edited URL) are ignored rather than shown as an error page.
    kind = TaskKind(form.kind.data) if form.kind.data in TASK_KINDS else None
    municipality_id = int(form.municipality.data) if form.municipality.data in {str(m.id) for m in municipalities} else None
    hospital = form.hospital.data if form.hospital.data in hospitals else None
    items = nursing.queue(current_user, kind=kind, municipality_id=municipality_id, hospital=hospital)
    if form.who.data == "mine":
        items = [t for t in items if t.claim is not None and t.claim.nurse_id == current_user.id]
    elif form.who.data == "unclaimed":
        items = [t for t in items if t.claim is None]
    counts = nursing.queue_counts(current_user, municipality_id=municipality_id, hospital=hospital)
    page = paging.clamp(whole_number(request.args.get("page"), low=1), len(items), QUEUE_PAGE_SIZE)
    shown = items[page.offset:page.offset + QUEUE_PAGE_SIZE]
    why = ordering.waiting_reasons([t.ref_id for t in shown if t.kind is TaskKind.ORDER])
    args = {k: v for k, v in request.args.items() if k != "page" and v}  # the filters, kept from page to page
    return render_template("nurse_console/tasks.html", form=form, tasks=shown, counts=counts, hospitals=hospitals,
                           today=local_today(), due_days=nursing.TASK_DUE_WORKING_DAYS, why=why, page=page,
                           page_numbers=paging.page_numbers(page.page, page.pages), page_args=args,
                           queue_limit=nursing.QUEUE_LIMIT)


QUEUE_PAGE_SIZE = 50


def _task_or_404(kind: str, ref_id: int) -> nursing.Task:
    try:
        task_kind = TaskKind(kind)
    except ValueError:
        abort(404)
    task = nursing.open_task(current_user, task_kind, ref_id)
    if task is None:
        abort(404)
    return task


@bp.route("/opgaver/<kind>/<int:ref_id>/tag", methods=["POST"])
def claim(kind: str, ref_id: int):
    task = _task_or_404(kind, ref_id)
    try:
        nursing.claim_task(current_user, task, take_over=request.form.get("take_over") == "1")
    except nursing.TaskClaimed as exc:
        transaction.discard()
        flash(exc.errors["claim"], "error")
    else:
        flash(_("The task is yours. Other nurses see that you are working on it."), "success")
    return redirect(task_url(task.kind, task.ref_id))


@bp.route("/opgaver/<kind>/<int:ref_id>/giv", methods=["POST"])
def assign(kind: str, ref_id: int):
    """Give the task to a colleague (who may see the citizen): she finds it under "mine" in the queue."""
    task = _task_or_404(kind, ref_id)
    try:
        claim = nursing.assign_task(current_user, task, whole_number(request.form.get("colleague"), low=1) or 0)
    except nursing.NursingError as exc:
        transaction.discard()
        flash(exc.errors["colleague"], "error")
    else:
        flash(_("The task is given to %(name)s.", name=claim.nurse.name), "success")
    return redirect(task_url(task.kind, task.ref_id))


@bp.route("/opgaver/<kind>/<int:ref_id>/slip", methods=["POST"])
def release(kind: str, ref_id: int):
    task = _task_or_404(kind, ref_id)
    try:
        nursing.release_task(current_user, task)
    except nursing.TaskClaimed as exc:
        transaction.discard()
        flash(exc.errors["claim"], "error")
        return redirect(task_url(task.kind, task.ref_id))
    flash(_("The task is back in the shared queue."), "success")
    return redirect(url_for(".tasks"))


# The last search's hits, kept as citizen ids only (as the callcenter keeps its search): never the typed text.
SEARCH_KEY = "nurse_search"
SEARCH_TOTAL_KEY = "nurse_search_total"  # how many matched, when only the first ones are kept


@bp.route("/borgere", methods=["GET", "POST"])
def search():
    form = SearchForm()
    if form.validate_on_submit() and form.q.data:
        found = nursing.search_citizens(current_user, form.q.data)  # audited, saved with the redirect
        session[SEARCH_KEY] = [c.id for c in found]
        session[SEARCH_TOTAL_KEY] = found.total
        return redirect(url_for(".search"))
    ids = session.get(SEARCH_KEY) if request.method == "GET" else None
    found = nursing.visible_citizens_by_id(current_user, ids) if ids else []
    capped = capped_message(len(found), session.get(SEARCH_TOTAL_KEY) or 0) if ids else None
    return render_template("nurse_console/search.html", form=form, found=found, searched=ids is not None,
                           capped=capped, handover_days=nursing.HANDOVER_DAYS), \
        (422 if form.errors else 200)


# --- the clinical profile ---------------------------------------------------------------------------

def _profile_forms(citizen):
    stoma = StomaForm(prefix="stoma")
    stoma.stoma_type.choices = stoma_choices()
    if request.method == "GET":
        stoma.stoma_type.data, stoma.operation_date.data = citizen.stoma_type.value, citizen.operation_date
    return {"stoma_form": stoma, "measure_form": MeasureForm(prefix="measure"), "confirm_form": ConfirmMeasureForm(prefix="confirm"),
            "note_form": NoteForm(prefix="note")}


def _render_profile(citizen, forms, status=200):
    today = local_today()
    recent = list(db.session.scalars(
        select(Order).where(Order.citizen_id == citizen.id, Order.status != OrderStatus.DRAFT)
        .order_by(Order.submitted_at.desc(), Order.id.desc()).limit(5)
    ))
    history = nursing.measure_history(citizen.id)
    current = history[0] if history else None
    staff_ids = {i for m in history for i in (m.entered_by_id, m.confirmed_by_id) if i}
    staff = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(staff_ids)))} if staff_ids else {}
    task = nursing.open_task(current_user, TaskKind.MEASURE, current.id) if current is not None else None
    proposals = open_proposals_of(citizen.id)
    notes, notes_hidden = nursing.notes_for_nurse(current_user, citizen.id)
    return render_template(
        "nurse_console/profile.html", citizen=citizen, uses=consumption(citizen.id, today), recent_orders=recent,
        history=history, current=current, notes=notes, notes_hidden=notes_hidden, today=today,
        questions=nursing.citizen_questions(citizen.id), changes=approvals.product_changes_of(citizen.id),
        recommendations=approvals.recommendations_for_citizen(citizen.id), proposals=proposals,
        decidable={p.id for p in proposals if nursing.open_task(current_user, TaskKind.DISCHARGE_PROPOSAL, p.id) is not None},
        staff=staff, task=task, claim=task.claim if task else None, kind=TaskKind.MEASURE.value,
        ref_id=current.id if current is not None else None, **forms,
    ), status


@bp.route("/borger/<int:citizen_id>")
def profile(citizen_id: int):
    citizen = citizen_or_404(citizen_id)
    audit.record(current_user, "read", "nurse: clinical profile", citizen)
    return _render_profile(citizen, _profile_forms(citizen))


def _profile_action(citizen_id: int, form_key: str, purpose: str, act):
    """Shared shape of the profile's forms: validate, call the service (the request commits it), or show the page with
    errors."""
    citizen = citizen_or_404(citizen_id)
    forms = _profile_forms(citizen)
    form = forms[form_key]
    if form.validate_on_submit():
        try:
            message = act(citizen, form)
        except DomainError as exc:  # a nursing rule or the measure's
            transaction.discard()  # the refused change goes; the read below stays
            for text in apply_errors(form, exc.errors).values():
                flash(text, "error")
        else:
            flash(message, "success")
            return redirect(url_for(".profile", citizen_id=citizen.id))
    audit.record(current_user, "read", purpose, citizen)
    transaction.keep()  # the page shown again with errors is a read of the citizen's record: audited although 422
    return _render_profile(citizen, forms, 422)


@bp.route("/borger/<int:citizen_id>/stomi", methods=["POST"])
def set_stoma(citizen_id: int):
    def act(citizen, form):
        nursing.set_stoma(current_user, citizen, stoma_type=form.stoma_type.data, operation_date=form.operation_date.data)
        return _("The stoma details are saved.")
    return _profile_action(citizen_id, "stoma_form", "nurse: clinical profile", act)


@bp.route("/borger/<int:citizen_id>/maal", methods=["POST"])
def set_measure(citizen_id: int):
    def act(citizen, form):
        values = ordering.parse_measure(form.shape.data, form.diameter_mm.data, form.width_mm.data, form.height_mm.data)
        version = nursing.set_measure(current_user, citizen, values, remeasure_on=form.remeasure_on.data, note=form.note.data)
        return _("The new cutting measure %(measure)s is saved.", measure=version.cut.label)
    return _profile_action(citizen_id, "measure_form", "nurse: clinical profile", act)


@bp.route("/borger/<int:citizen_id>/maal/bekraeft", methods=["POST"])
def confirm_measure(citizen_id: int):
    def act(citizen, form):
        measure = db.session.get(CuttingMeasure, measure_id) if (measure_id := record_id(form.measure_id.data)) else None
        if measure is None or measure.citizen_id != citizen.id:
            abort(404)
        nursing.confirm_measure(current_user, measure, remeasure_on=form.remeasure_on.data)
        return _("The cutting measure %(measure)s is confirmed.", measure=measure.cut.label)
    return _profile_action(citizen_id, "confirm_form", "nurse: clinical profile", act)


@bp.route("/borger/<int:citizen_id>/noter", methods=["POST"])
def add_note(citizen_id: int):
    def act(citizen, form):
        nursing.add_note(current_user, citizen, kind=form.kind.data, text=form.text.data)
        return _("The note is saved.")
    return _profile_action(citizen_id, "note_form", "nurse: clinical profile", act)


from nurse_console import discharge_views, task_views  # noqa: E402,F401
