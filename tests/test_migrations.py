"""The migrations are the schema: `flask db upgrade` on an empty database gives exactly the
models' tables (alembic's autogenerate finds nothing to add), down to base and up again, on SQLite
and PostgreSQL; and there is one head."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from campus import create_app
from campus.chat.search import include_in_migrations, is_index_table
from campus.extensions import db
from config import database_url
from tests.support import services_available
from tests.support.app import config_for
from tests.support.database import MIGRATIONS, TEST_DATABASE_URL, throwaway_postgres_database


def schema_differences(app) -> list:
    """What autogenerate would put in a new migration, compared the way `flask db migrate` does."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True, "include_name": include_in_migrations},
        )
        return compare_metadata(context, db.metadata)


def table_names(app) -> set[str]:
    with app.app_context():
        # The message search index is the migrations' own (campus.chat.search).
        return {name for name in sa.inspect(db.engine).get_table_names() if not is_index_table(name)}


def run_db(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["db", *args, "--directory", MIGRATIONS])
    assert result.exit_code == 0, result.output + repr(result.exception)


def check_upgrade_down_up(url: str, tmp_path) -> None:
    app = create_app(config_for(url, tmp_path))
    try:
        assert table_names(app) == set()
        run_db(app, "upgrade")
        assert table_names(app) == set(db.metadata.tables) | {"alembic_version"}
        assert schema_differences(app) == []

        run_db(app, "downgrade", "base")
        assert table_names(app) <= {"alembic_version"}

        run_db(app, "upgrade")
        assert schema_differences(app) == []
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_migrations_have_one_head():
    script = ScriptDirectory.from_config(_alembic_config())
    assert len(script.get_heads()) == 1, script.get_heads()


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def test_upgrade_gives_the_models_schema_on_sqlite(tmp_path):
    check_upgrade_down_up(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)


@pytest.mark.postgres
def test_upgrade_gives_the_models_schema_on_postgresql(tmp_path):
    server_url = TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql") else services_available.POSTGRES_URL
    server_url = database_url(services_available.require_postgres(server_url))
    with throwaway_postgres_database(server_url, "campus_migrations") as url:
        check_upgrade_down_up(url, tmp_path)
