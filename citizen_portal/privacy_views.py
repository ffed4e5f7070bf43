"""The citizen's privacy pages: consent, who looked at my data (when and why), download my data."""
from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from citizen_portal import bp
from stomi_app import labels, privacy
from stomi_app.audit import lookups_of
from stomi_app.extensions import db


@bp.route("/mine-data")
def my_data():
    return render_template("citizen_portal/my_data.html", citizen=current_user, lookups=lookups_of(current_user.id),
                           consent_version=privacy.CONSENT_TEXT_VERSION)


@bp.route("/mine-data/samtykke", methods=["POST"])
def consent():
    choice = request.form.get("consent")
    if choice == "give":
        privacy.give_consent(current_user)
        flash(_("Thank you. Your consent is recorded."), "success")
    elif choice == "withdraw":
        privacy.withdraw_consent(current_user)
        flash(_("Your consent is withdrawn. We share only what delivery needs with the logistics provider."), "success")
    else:
        flash(_("Choose whether you give or withdraw your consent."), "error")
        return redirect(url_for(".my_data"))
    db.session.commit()
    return redirect(url_for(".my_data"))


@bp.route("/mine-data/download.json")
def my_data_json():
    body = json.dumps(privacy.export(current_user), ensure_ascii=False, indent=2, default=privacy.json_default)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="mine-stomidata.json"'})


@bp.route("/mine-data/oversigt")
def my_data_html():
    return render_template("citizen_portal/my_data_export.html", data=privacy.export(current_user),
                           advice_status=labels.ADVICE_STATUS, request_status=labels.REQUEST_STATUS)
