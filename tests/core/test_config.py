"""Configuration: production refuses the development secrets; PostgreSQL goes through psycopg2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import Flask

from campus import create_app
from campus.extensions import db
from campus.serving import cooperative_postgres
from config import DEFAULT_JWT_SECRET, DEFAULT_SECRET, ProductionConfig, database_url
from tests.support.server import ROOT

GOOD_SECRETS = {
    "SECRET_KEY": "a-real-secret-of-at-least-32-bytes",
    "JWT_SECRET_KEY": "a-real-jwt-secret-long-enough-for-hs256",
    "PUBLIC_URL": "https://campus.example.edu",
}


def production(tmp_path, **attrs):
    return type(
        "Production",
        (ProductionConfig,),
        {
            **GOOD_SECRETS,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
            "SOCKETIO_ASYNC_MODE": "threading",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "MAIL_QUEUE_INTERVAL": 0,
            **attrs,
        },
    )


@pytest.mark.parametrize(
    "defaults",
    [
        {"SECRET_KEY": DEFAULT_SECRET},
        {"JWT_SECRET_KEY": DEFAULT_JWT_SECRET},
        {"SECRET_KEY": DEFAULT_SECRET, "JWT_SECRET_KEY": DEFAULT_JWT_SECRET},
    ],
)
def test_production_refuses_the_default_secrets(tmp_path, defaults):
    with pytest.raises(RuntimeError, match="SECRET_KEY and JWT_SECRET_KEY"):
        create_app(production(tmp_path, **defaults))


def test_production_starts_with_real_secrets(tmp_path):
    app = create_app(production(tmp_path))
    assert not app.debug and app.config["JWT_COOKIE_SECURE"] is True


@pytest.mark.parametrize("name", ["SECRET_KEY", "JWT_SECRET_KEY"])
def test_production_refuses_a_secret_shorter_than_32_bytes(tmp_path, name):
    with pytest.raises(RuntimeError, match=f"{name} must be at least 32 bytes"):
        create_app(production(tmp_path, **{name: "x" * 31}))
    assert create_app(production(tmp_path, **{name: "x" * 32}))


@pytest.mark.parametrize("url", [None, "", "campus.example.edu", "ftp://campus.example.edu", "https://"])
def test_production_requires_a_public_url(tmp_path, url):
    with pytest.raises(RuntimeError, match="Set PUBLIC_URL"):
        create_app(production(tmp_path, PUBLIC_URL=url))


def test_production_accepts_only_the_public_hosts(tmp_path):
    app = create_app(production(tmp_path, JWT_COOKIE_SECURE=False))
    client = app.test_client()
    assert client.get("/login", base_url="https://campus.example.edu").status_code == 200
    refused = client.get("/login", base_url="https://evil.example")
    assert refused.status_code == 400
    listed = create_app(production(tmp_path, TRUSTED_HOSTS=["campus.example.edu", "campus.example.ru"]))
    assert listed.test_client().get("/login", base_url="https://campus.example.ru").status_code == 200


def wsgi_run(tmp_path, **env) -> subprocess.CompletedProcess:
    # Empty values hide anything a developer's .env would supply (load_dotenv never overrides).
    environment = {
        **os.environ,
        "SECRET_KEY": "",
        "JWT_SECRET_KEY": "",
        "CAMPUS_CONFIG": "",
        "SOCKETIO_ASYNC_MODE": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "wsgi.py", "--port", "0"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_entry_point_exits_with_a_clear_message_on_default_secrets(tmp_path):
    result = wsgi_run(tmp_path)
    assert result.returncode != 0
    assert "Campus cannot start: Set SECRET_KEY and JWT_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_entry_point_refuses_a_wildcard_origin(tmp_path):
    result = wsgi_run(tmp_path, SOCKETIO_ALLOWED_ORIGINS="*", **GOOD_SECRETS)
    assert result.returncode != 0
    assert "Campus cannot start" in result.stderr and "SOCKETIO_ALLOWED_ORIGINS" in result.stderr


def test_an_unknown_config_name_is_refused(tmp_path):
    result = wsgi_run(tmp_path, CAMPUS_CONFIG="staging", **GOOD_SECRETS)
    assert result.returncode != 0
    assert "CAMPUS_CONFIG must be one of development, testing, production" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@db.example/campus",
        "postgres://u:p@db.example/campus",
        "postgresql+psycopg2://u:p@db.example/campus",
    ],
)
def test_postgresql_urls_use_psycopg2(url):
    assert database_url(url) == "postgresql+psycopg2://u:p@db.example/campus"


def test_the_engine_of_a_postgresql_url_is_psycopg2(tmp_path):
    app = create_app(production(tmp_path, SQLALCHEMY_DATABASE_URI=database_url("postgresql://u@127.0.0.1/campus")))
    with app.app_context():
        assert db.engine.dialect.driver == "psycopg2"  # no connection is made


def test_the_server_refuses_a_postgresql_driver_that_blocks_the_hub():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://u@127.0.0.1/campus"
    with pytest.raises(SystemExit, match="must use psycopg2 under eventlet"):
        cooperative_postgres(app, "eventlet")
