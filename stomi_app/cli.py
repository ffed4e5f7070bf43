"""The `stomi` command line: Flask's CLI with the project's own commands."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from stomi_app import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), help="The stoma-supply platform.")
def main() -> None:
    pass


@main.command("demo-data")
@click.option("--scale", type=click.Choice(["small", "region", "national"]), default="small", show_default=True)
@click.option("--seed", type=int, default=2019, show_default=True, help="Same seed, same data.")
@click.option("--reset/--no-reset", default=True, show_default=True, help="Empty the database's domain tables first.")
@with_appcontext
def demo_data(scale: str, seed: int, reset: bool) -> None:
    """Fill the database with realistic, deterministic demo data."""
    from stomi_app.demo import generate

    summary = generate(scale=scale, seed=seed, reset=reset, echo=click.echo)
    click.echo(summary)


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["nurse", "grant_officer", "callcenter", "fsc_admin", "warehouse"]), required=True)
@click.option("--municipality", "municipality_code", type=int, help="Municipality code (grant officers, municipal nurses).")
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
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}")
