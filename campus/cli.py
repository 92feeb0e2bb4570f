"""Command line: `flask seed roles|demo`, `flask users create-admin EMAIL`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Fill the database with roles or demo data.")
users_cli = AppGroup("users", help="Manage accounts.")


@seed_cli.command("roles")
def seed_roles_command() -> None:
    """Create or correct the roles and permissions of DESIGN.md §3 (idempotent)."""
    from campus.roles.services import seed_roles

    seed_roles()
    click.echo("Roles and permissions are up to date.")


@seed_cli.command("demo")
def seed_demo_command() -> None:
    """Roles plus one demo account per role (development only); idempotent."""
    from campus.demo import seed_demo

    try:
        for line in seed_demo():
            click.echo(line)
    except RuntimeError as error:  # not the development configuration
        raise click.ClickException(str(error)) from None


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
@click.option("--role", type=click.Choice(["admin", "super_admin"]), default="super_admin", show_default=True)
def create_admin_command(email: str, password: str, role: str) -> None:
    """Create (or promote) an administrator account."""
    from campus.core.errors import CampusError
    from campus.roles.services import seed_roles
    from campus.users.schemas import RegisterSchema
    from marshmallow import ValidationError

    try:
        RegisterSchema(only=("email", "password")).load({"email": email, "password": password})
    except ValidationError as error:
        raise click.BadParameter("; ".join(f"{k}: {', '.join(v)}" for k, v in error.messages.items()))
    seed_roles()
    from campus.users.services import create_admin

    try:
        user = create_admin(email, password, role_name=role)
    except CampusError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.email} is now {user.role.name}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
