"""Role checks: each audience blueprint refuses other roles (403) and anonymous users (login)."""
from __future__ import annotations

from functools import wraps

from flask import abort, url_for
from flask_login import current_user, login_required

from stomi_app.extensions import login_manager
from stomi_app.models import Role


def restrict_blueprint(blueprint, *roles: Role) -> None:
    """Guard every view of `blueprint`: anonymous → login page, wrong role → 403."""

    @blueprint.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None


def role_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


START_PAGES = {
    Role.CITIZEN: "citizen_portal.start",
    Role.NURSE: "nurse_console.start",
    Role.GRANT_OFFICER: "municipal_portal.start",
    Role.MUNICIPAL_MANAGER: "municipal_portal.statistics_home",
    Role.CALLCENTER: "callcenter.start",
    Role.FSC_ADMIN: "fsc_admin.start",
    Role.WAREHOUSE: "fulfilment.start",
}


def start_page_url() -> str:
    return start_page_url_for(current_user)


def start_page_url_for(principal) -> str:
    """The page a person lands on after signing in: their role's start page."""
    return url_for(START_PAGES[principal.role])
