"""The `stomi` command line: Flask's CLI with the project's own commands."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from stomi_app import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), help="The stoma-supply platform.")
def main() -> None:
    pass


def _checkout_on_path(command: str) -> None:
    """The demo data and the bench live in devtools/, beside the packages in a checkout, never installed: put the
    checkout on the path, or say that this command needs one."""
    import sys
    from pathlib import Path

    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "devtools" / "__init__.py").is_file():
        raise click.ClickException(f"`stomi {command}` runs from a checkout of the project: devtools/ is not installed.")
    if str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))


@main.command("demo-data")
@click.option("--scale", type=click.Choice(["small", "region", "national"]), default="small", show_default=True)
@click.option("--seed", type=int, default=2019, show_default=True, help="Same seed, same data.")
@click.option("--reset/--no-reset", default=True, show_default=True, help="Empty the database's domain tables first.")
@with_appcontext
def demo_data(scale: str, seed: int, reset: bool) -> None:
    """Fill the database with realistic, deterministic demo data (from a checkout: devtools/ is not installed)."""
    _checkout_on_path("demo-data")
    from devtools.demo import generate

    summary = generate(scale=scale, seed=seed, reset=reset, echo=click.echo)
    click.echo(summary)


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["nurse", "grant_officer", "municipal_manager", "callcenter", "fsc_admin", "warehouse"]),
              required=True)
@click.option("--municipality", "municipality_code", type=int, help="Municipality code (grant officers, municipal managers, municipal nurses).")
@click.option("--region", "region_code", type=int, help="Region code (hospital nurses).")
@click.option("--workplace", help="E.g. the hospital's name.")
@click.password_option()
@with_appcontext
def create_user(email, name, role, municipality_code, region_code, workplace, password) -> None:
    """Create a staff account."""
    from stomi_app.users import UserError, create_staff_user
    from stomi_app.extensions import db

    try:
        user = create_staff_user(
            email=email, name=name, role=role, password=password,
            municipality_code=municipality_code, region_code=region_code, workplace=workplace,
        )
    except UserError as exc:
        from flask_babel import force_locale

        with force_locale("en"):  # the command speaks English, as its options do
            raise click.ClickException("; ".join(str(m) for m in exc.errors.values())) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}")


@main.command("serve", context_settings={"ignore_unknown_options": True})
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(gunicorn_args) -> None:
    """Serve the app with gunicorn as in production (stomi_app/gunicorn_conf.py; extra arguments go to gunicorn)."""
    import os
    import sys
    from pathlib import Path

    conf = Path(__file__).with_name("gunicorn_conf.py")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    os.execv(str(gunicorn), [str(gunicorn), "-c", str(conf), *gunicorn_args, "stomi_app.wsgi:app"])


@main.command("check-config")
@with_appcontext
def check_config() -> None:
    """Check the configuration against what production needs; exit 1 when something would refuse to start."""
    from stomi_app.configcheck import production_problems

    problems = production_problems(current_app.config)
    if not problems:
        click.echo("The configuration is fit for production.")
        return
    for problem in problems:
        click.echo(f"- {problem}")
    raise click.ClickException(f"{len(problems)} problem(s): STOMI_ENV=production would refuse to start.")


def _register_area_commands() -> None:
    from fulfilment.cli import fulfilment_cli, logistics_simulator

    main.add_command(fulfilment_cli)
    main.add_command(logistics_simulator)

    from invoicing.cli import register as register_invoicing

    register_invoicing(main)

    from usage_statistics.cli import register as register_statistics

    register_statistics(main)

    from notices.cli import notices_cli

    main.add_command(notices_cli)

    from stomi_app.jobs_cli import register as register_jobs

    register_jobs(main)


_register_area_commands()


@main.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("cleanup")
@click.option("--days", type=int, default=None, help="Retention in days (default: AUDIT_RETENTION_DAYS).")
@with_appcontext
def audit_cleanup(days: int | None) -> None:
    """Delete audit events older than the retention period."""
    from stomi_app.audit import cleanup
    from stomi_app.extensions import db

    days = days if days is not None else current_app.config["AUDIT_RETENTION_DAYS"]
    if days < 1:
        raise click.ClickException("the retention must be at least 1 day")
    deleted = cleanup(days)
    db.session.commit()
    click.echo(f"Deleted {deleted} audit events older than {days} days")


@main.group("cpr")
def cpr_group() -> None:
    """CPR number keys."""


@cpr_group.command("rotate-keys")
@with_appcontext
def cpr_rotate_keys() -> None:
    """Re-encrypt every CPR number and its look-up hash with new keys, in one transaction.

    With keys in the instance folder (the default) the new keys replace the files; with keys from the
    environment the new keys are printed and must be set there before the next start.
    """
    import secrets
    from pathlib import Path

    from sqlalchemy import select

    from stomi_app import cpr
    from stomi_app.extensions import db
    from stomi_app.models.citizen import Citizen

    new_enc, new_hash = secrets.token_bytes(32), secrets.token_bytes(32)
    count = 0
    for citizen in db.session.scalars(select(Citizen)).yield_per(1000):
        digits = cpr.decrypt(citizen.cpr_encrypted)
        citizen.cpr_encrypted = cpr.encrypt(digits, new_enc)
        citizen.cpr_hash = cpr.lookup_hash(digits, new_hash)
        count += 1
    db.session.flush()
    instance = Path(current_app.instance_path)
    from_files = {
        "CPR_ENCRYPTION_KEY": (instance / "cpr_key", new_enc),
        "CPR_HASH_KEY": (instance / "cpr_hash_key", new_hash),
    }
    env_managed = [name for name, (path, _) in from_files.items()
                   if not (path.exists() and path.read_text().strip() == current_app.config[name])]
    if env_managed:
        db.session.commit()
        click.echo("Keys come from the environment: set these before the next start:")
        for name, (_, key) in from_files.items():
            click.echo(f"  STOMI_{name}={key.hex()}")
    else:
        # New keys are on disk before the data changes, so a crash never leaves data without its key.
        for name, (path, key) in from_files.items():
            path.with_suffix(".new").write_text(key.hex())
        try:
            db.session.commit()
        except Exception:
            for _, (path, _) in from_files.items():
                path.with_suffix(".new").unlink(missing_ok=True)
            raise
        for name, (path, key) in from_files.items():
            path.replace(path.with_suffix(".old"))
            path.with_suffix(".new").replace(path)
            current_app.config[name] = key.hex()
    click.echo(f"Re-encrypted {count} CPR numbers with new keys")


@main.command("bench")
@click.option("--scale", type=click.Choice(["small", "region", "national"]), default="region", show_default=True)
@click.option("--database-url", default=None, help="A database to EMPTY and use (default: a temporary SQLite file).")
@click.option("--out", default=None, help="Write the JSON result here.")
def bench(scale: str, database_url: str | None, out: str | None) -> None:
    """Run the benchmark suite (from a checkout: devtools/ is not installed): ratios against ceilings measured in the
    same run."""
    _checkout_on_path("bench")
    from devtools.bench.runner import run

    run(scale=scale, database_url=database_url, out=out, echo=click.echo)
