"""The core of the stoma-supply platform: the app factory that wires every audience package together."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from stomi_app.config import load_config
from stomi_app.transaction import TransactionalFlask


def register_models() -> None:
    """Import every package's models, so the metadata (and Alembic) knows every table and every relationship resolves."""
    from stomi_app import models  # noqa: F401  (places, staff, sessions, audit, SAML, API clients, job runs)
    import citizens.clinical  # noqa: F401  (cutting measures, consents)
    import citizens.consent_models  # noqa: F401
    import catalogue.models  # noqa: F401  (the catalogue's tables)
    import grants.models  # noqa: F401  (grants, their lines, periods, changes, case notes)
    import ordering.models  # noqa: F401  (orders, their lines and events, delivery problems)
    import care.models  # noqa: F401  (advice, product changes, recommendations, discharges, task claims)
    import usage_statistics.models  # noqa: F401  (monthly statistics reports)
    import fulfilment.models  # noqa: F401  (warehouse instructions, outbox, received events)
    import invoicing.models  # noqa: F401  (fee schedule, invoices, credit notes, shared costs)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the Flask app; `overrides` wins over environment and defaults (used by tests)."""
    instance_path = os.environ.get("STOMI_INSTANCE_PATH") or str(Path.cwd() / "instance")
    app = TransactionalFlask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path, overrides or {}))
    from stomi_app.configcheck import refuse_unfit_production

    refuse_unfit_production(app.config)  # STOMI_ENV=production: never start on development defaults
    from stomi_app import logs

    logs.init_app(app)  # first, so every later hook's log lines (and the error pages) have the request id

    from stomi_app import extensions

    extensions.init_app(app)

    register_models()
    import fulfilment
    import notices

    fulfilment.init_app(app)  # the warehouse instruction of every accepted order, and the stop on a cancel
    notices.init_app(app)  # the notices' tables, and their receivers on the domain's signals
    import invoicing
    import ordering

    invoicing.init_app(app)  # answers which months are invoiced, before a grant's dates change
    ordering.init_app(app)  # a grant decided re-evaluates the orders waiting for approval (after the notices are written)
    from stomi_app import audit  # noqa: F401  (registers the append-only guard on the audit log)
    from stomi_app import web

    web.init_app(app)
    from stomi_app import metrics

    metrics.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app
