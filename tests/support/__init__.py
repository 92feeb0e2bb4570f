"""Helpers for tests, one of each, by concern. The modules with fixtures are loaded as pytest
plugins by tests/conftest.py; the others are imported where needed:

- `database` (plugin): a migrated database per test run, a fresh copy per test, throwaway PostgreSQL databases;
- `app` (plugin): the app under test, its test client and CLI runner;
- `accounts` (plugin): `make_user`, `auth` (tokens, headers, cookie sign-in), `bearer`, `PASSWORD`;
- `pages` (plugin): HTML forms through the test client: CSRF tokens, the login form, `browser_for`;
- `directory` (plugin): majors and students (`make_major`, `make_student`, `bulk_students`, payloads);
- `sockets` (plugin): Flask-SocketIO test clients on `/chat` (`connect`, `Socket`);
- `images`: image files for uploads; `waiting`: bounded polling;
- `server`, `chat_client`, `proxy`, `browser`, `services_available`: real servers, their clients,
  a loopback proxy, Playwright's chromium, PostgreSQL and Redis when reachable.
"""
