"""`flask chat …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

chat_cli = AppGroup("chat", help="Chat maintenance.")


@chat_cli.command("sync-campus")
def sync_campus_command() -> None:
    """Put every linked student in their major and cohort chats (and out of the others)."""
    from campus.chat.campus_chats import sync_all_campus_memberships

    click.echo(f"Campus chats in step for {sync_all_campus_memberships()} students.")
