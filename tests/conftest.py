"""The whole suite's fixtures live in tests/support, one module per concern, loaded here as
pytest plugins (DEVELOPERS.md, "Tests", lists them).

The database is SQLite by default; set CAMPUS_TEST_DATABASE_URL to a PostgreSQL URL to run the
same tests there (CI does). The schema always comes from the migrations.
"""

import pytest

# Helpers assert too (a form without a CSRF token, a refused registration): say what failed.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.app",
    "tests.support.database",
    "tests.support.accounts",
    "tests.support.pages",
    "tests.support.directory",
    "tests.support.sockets",
    "tests.support.properties",
]
