"""Command line, every command of Campus: `flask seed roles|demo`, `flask users create-admin EMAIL`,
`flask students import FILE`, `flask chat sync-campus|reindex-search`, `flask media cleanup|create-bucket`,
`flask mail send`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Fill the database with roles or demo data.")
users_cli = AppGroup("users", help="Manage accounts.")
students_cli = AppGroup("students", help="Manage student records.")
chat_cli = AppGroup("chat", help="Chat maintenance.")
media_cli = AppGroup("media", help="Stored files: clean-up, object storage.")
mail_cli = AppGroup("mail", help="The mail queue.")


@seed_cli.command("roles")
def seed_roles_command() -> None:
    """Create or correct the roles and permissions of docs/design.md#roles-and-permissions (idempotent)."""
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
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for when not given.")
@click.option("--role", type=click.Choice(["admin", "super_admin"]), default="super_admin", show_default=True)
def create_admin_command(email: str, password: str, role: str) -> None:
    """Create (or promote) an administrator account."""
    from marshmallow import ValidationError

    from campus.core.errors import CampusError
    from campus.roles.services import seed_roles
    from campus.users.schemas import RegisterSchema

    try:
        RegisterSchema(only=("email", "password")).load({"email": email, "password": password})
    except ValidationError as error:
        raise click.BadParameter("; ".join(f"{k}: {', '.join(v)}" for k, v in error.messages.items())) from None
    seed_roles()
    from campus.users.services import create_admin

    try:
        user = create_admin(email, password, role_name=role)
    except CampusError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.email} is now {user.role.name}.")


@students_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "file_format", type=click.Choice(["json", "csv"]), help="Default: from the file's extension.")
@click.option("--create-only", is_flag=True, help="Refuse rows whose email is already a student's (no updates).")
def import_students_command(file: Path, file_format: str | None, create_only: bool) -> None:
    """Add the students in FILE (JSON list or CSV with a header row) and update those whose email
    is already a record's — all of them or none.

    Every row is checked with the API's rules; bad rows are reported as `row N: field: problem`
    (N counts records from 1) and then nothing is written.
    """
    from campus.students.importing import ImportRejected, UnreadableFile, check_rows, import_students, read_rows

    try:
        rows = read_rows(file, file_format)
    except (UnreadableFile, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file}: {error}") from None
    try:
        counts = import_students(check_rows(rows, allow_updates=not create_only))
    except ImportRejected as rejected:
        for line in rejected.problems:
            click.echo(line, err=True)
        raise click.ClickException(rejected.message) from None
    click.echo(f"Imported: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged.")


@chat_cli.command("sync-campus")
def sync_campus_command() -> None:
    """Put every linked student in their major and cohort chats (and out of the others)."""
    from campus.chat.campus_chats import sync_all_campus_memberships

    click.echo(f"Campus chats in step for {sync_all_campus_memberships()} students.")


@chat_cli.command("reindex-search")
def reindex_search_command() -> None:
    """Rebuild the message search index from every message's text (docs/design.md#search-in-messages)."""
    from campus.chat.search import rebuild_index

    click.echo(f"Search index rebuilt: {rebuild_index()} messages.")


@media_cli.command("cleanup")
@click.option(
    "--older-than",
    type=click.FloatRange(min=0),
    default=None,
    help="Hours an upload may wait for its message (default: UPLOAD_UNATTACHED_HOURS).",
)
def media_cleanup_command(older_than: float | None) -> None:
    """Remove chat uploads that no message took in time, with their files (run it from cron)."""
    from datetime import timedelta

    from campus.chat.uploads import cleanup_unattached

    removed = cleanup_unattached(None if older_than is None else timedelta(hours=older_than))
    click.echo(f"Removed {removed} unattached upload(s).")


@media_cli.command("create-bucket")
def media_create_bucket_command() -> None:
    """Create the S3 bucket MEDIA_S3_BUCKET names, when it is missing (MEDIA_STORAGE=s3)."""
    from campus.media import storage

    store = storage.backend()
    if not isinstance(store, storage.S3Storage):
        raise click.ClickException("MEDIA_STORAGE is not s3.")
    store.ensure_bucket()
    click.echo(f"Bucket {store.bucket} is ready.")


@mail_cli.command("send")
def mail_send_command() -> None:
    """Send the queued mails that are due now (servers do it by themselves every few seconds)."""
    from campus.users.outbox import deliver_due

    sent = total = deliver_due()
    while sent:
        sent = deliver_due()
        total += sent
    click.echo(f"Sent {total} mail(s).")


def register_cli(app: Flask) -> None:
    """Every `flask …` command group of Campus."""
    for group in (seed_cli, users_cli, students_cli, chat_cli, media_cli, mail_cli):
        app.cli.add_command(group)
