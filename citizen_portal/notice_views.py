"""The citizen's messages: the inbox (opening a notice marks it read), the notice preferences, "order the same again"."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from citizen_portal.blueprint import bp
from citizen_portal.forms import NoticePreferencesForm
from notices import reminders, services
from notices.texts import Kind, body, title
from ordering import services as ordering
from stomi_app import transaction
from stomi_app.forms import apply_errors


def _mine(notice_id: int):
    notice = services.own_notice(current_user.id, notice_id)
    if notice is None:
        abort(404)
    return notice


@bp.route("/beskeder")
def notices():
    return render_template("citizen_portal/notices.html", notices=services.inbox(current_user.id), title=title)


@bp.route("/beskeder/<int:notice_id>")
def notice(notice_id: int):
    item = services.open_notice(_mine(notice_id))
    return render_template("citizen_portal/notice.html", notice=item, heading=title(item.kind, item.params),
                           paragraphs=body(item.kind, item.params), Kind=Kind,
                           reorder=item.kind == Kind.SUPPLY_REMINDER)


@bp.route("/beskeder/<int:notice_id>/bestil", methods=["POST"])
def notice_reorder(notice_id: int):
    """The reminder's "Order the same again": a pre-filled draft on the check page, sent only when confirmed there."""
    item = _mine(notice_id)
    if item.kind != Kind.SUPPLY_REMINDER:
        abort(404)
    try:
        reminders.draft_from_reminder(current_user, item)
    except ordering.DraftAlreadySent as exc:
        transaction.discard()
        flash(exc.errors["order"], "info")
        return redirect(url_for(".order_detail", order_id=exc.order.id))
    except ordering.OrderError as exc:
        transaction.discard()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for(".order_products"))
    flash(_("Check the order and press \"Send order\" to send it. Nothing has been sent yet."), "info")
    return redirect(url_for(".order_check"))


@bp.route("/beskeder/indstillinger", methods=["GET", "POST"])
def notice_settings():
    form = NoticePreferencesForm()
    status = 200
    if request.method == "GET":
        prefs = services.preferences_of(current_user)
        form.email_on.data, form.sms_on.data, form.digital_post_on.data = prefs.email, prefs.sms, prefs.digital_post
        form.email.data, form.mobile.data = current_user.email or "", current_user.phone or ""
        form.language.data = current_user.language or "da"
    elif form.validate_on_submit():
        try:
            services.save_preferences(current_user, email_on=form.email_on.data, sms_on=form.sms_on.data,
                                      digital_post_on=form.digital_post_on.data, email=form.email.data or "",
                                      mobile=form.mobile.data or "", language=form.language.data)
        except services.NoticeError as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            flash(_("Your choices for messages are saved."), "success")
            return redirect(url_for(".notice_settings"))
    else:
        status = 422
    return render_template("citizen_portal/notice_settings.html", form=form), status
