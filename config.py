"""Campus configuration: one class per environment, values from the environment and `.env`.

Pick a class with `CAMPUS_CONFIG` (development, testing, production); `create_app()` takes a
class directly, so tests need no environment variables.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

DEFAULT_SECRET = "dev-only-secret-change-me"
DEFAULT_JWT_SECRET = "dev-only-jwt-secret-change-me-please"
MIN_SECRET_BYTES = 32


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_float(name: str, default: float) -> float:
    value = env(name)
    return default if value is None else float(value)


def env_list(name: str) -> list[str]:
    value = env(name, "") or ""
    return [item.strip() for item in value.split(",") if item.strip()]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_url(url: str) -> str:
    """PostgreSQL URLs use psycopg2: psycogreen makes it cooperative under eventlet and gevent
    (SQLAlchemy 2.1 would pick psycopg 3, whose wait blocks eventlet's hub)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET)
    JWT_SECRET_KEY = env("JWT_SECRET_KEY", DEFAULT_JWT_SECRET)
    # Where users reach Campus (scheme, host, optional path): every mailed link is built from it,
    # never from the request's Host (docs/design.md#public-url-and-hosts). Required in production.
    PUBLIC_URL = env("PUBLIC_URL")
    # Host names requests may carry (a wrong Host is a 400); production defaults to PUBLIC_URL's.
    TRUSTED_HOSTS = env_list("TRUSTED_HOSTS") or None

    SQLALCHEMY_DATABASE_URI = database_url(env("DATABASE_URL", sqlite_url(BASE_DIR / "instance" / "campus.db")))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # SQLite durability: NORMAL survives a process crash but not a power cut (docs/design.md#storage);
    # set FULL (or use PostgreSQL) where that matters.
    SQLITE_SYNCHRONOUS = env("SQLITE_SYNCHRONOUS", "NORMAL")
    # `python wsgi.py` checkpoints SQLite's WAL from a thread every this many seconds, not in the
    # commit that crosses SQLite's threshold (docs/design.md#storage); 0: SQLite's own way.
    SQLITE_CHECKPOINT_INTERVAL = env_float("SQLITE_CHECKPOINT_INTERVAL", 1.0)

    SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE")  # None: Flask-SocketIO picks (threading under flask run)
    SOCKETIO_MESSAGE_QUEUE = env("SOCKETIO_MESSAGE_QUEUE")  # e.g. redis://127.0.0.1:6379/0
    # Redis pub/sub channels ignore the database number: deployments (and test runs) sharing one
    # Redis need channels of their own.
    SOCKETIO_CHANNEL = env("SOCKETIO_CHANNEL", "flask-socketio")
    # Allowed Origins for the Socket.IO handshake besides the server's own; never "*".
    SOCKETIO_ALLOWED_ORIGINS = env_list("SOCKETIO_ALLOWED_ORIGINS")
    SOCKETIO_MAX_HTTP_BUFFER_SIZE = env_int("SOCKETIO_MAX_HTTP_BUFFER_SIZE", 64 * 1024)
    # What one connection may make the server hold (docs/design.md#socket-limits): unsent bytes
    # queued for a client that does not read; seconds to authenticate to /chat before the
    # connection is closed; /chat sockets per user and connections per client address on each
    # server process (0: no cap, for load tests).
    SOCKETIO_MAX_QUEUED_BYTES = env_int("SOCKETIO_MAX_QUEUED_BYTES", 8 * 1024 * 1024)
    SOCKETIO_AUTH_TIMEOUT = float(env("SOCKETIO_AUTH_TIMEOUT", "5"))
    SOCKETIO_MAX_PER_USER = env_int("SOCKETIO_MAX_PER_USER", 20)
    SOCKETIO_MAX_PER_ADDRESS = env_int("SOCKETIO_MAX_PER_ADDRESS", 1000)
    # Flood limit for /chat events per user (a token bucket in each worker): a sustained rate
    # per second and the burst allowed above it. Benchmarks that send faster raise these.
    CHAT_EVENT_RATE = float(env("CHAT_EVENT_RATE", "20"))
    CHAT_EVENT_BURST = float(env("CHAT_EVENT_BURST", "60"))
    # Seconds after a user's last socket closed before others hear they went offline: a reconnect
    # within it (a reload, a token's expiry) announces nothing.
    PRESENCE_OFFLINE_GRACE = float(env("PRESENCE_OFFLINE_GRACE", "10"))
    # How often the departures whose grace is over are announced and their last-seen written,
    # all of them in one batch (docs/design.md#storms-and-idle-sockets).
    PRESENCE_FLUSH_INTERVAL = float(env("PRESENCE_FLUSH_INTERVAL", "1"))
    # What one `sync` call may replay, over all its chats; a chat past it answers `reset` and the
    # client reloads it through history. A sync costs the flood budget by what it read.
    CHAT_SYNC_MAX_MESSAGES = env_int("CHAT_SYNC_MAX_MESSAGES", 500)
    CHAT_SYNC_MAX_BYTES = env_int("CHAT_SYNC_MAX_BYTES", 1024 * 1024)

    MEDIA_ROOT = env("MEDIA_ROOT", str(BASE_DIR / "instance" / "media"))
    # Uploaded images (student photos): bytes and pixels (a decompression bomb is small in bytes).
    MEDIA_IMAGE_MAX_BYTES = env_int("MEDIA_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
    MEDIA_IMAGE_MAX_PIXELS = env_int("MEDIA_IMAGE_MAX_PIXELS", 40_000_000)
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    # Where files live: "local" (MEDIA_ROOT) or "s3" (a bucket several machines share). With nginx
    # in front of local storage, MEDIA_ACCEL_REDIRECT names its internal location (docs/deployment.md).
    MEDIA_STORAGE = env("MEDIA_STORAGE", "local")
    MEDIA_ACCEL_REDIRECT = env("MEDIA_ACCEL_REDIRECT")
    MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET")
    MEDIA_S3_ENDPOINT_URL = env("MEDIA_S3_ENDPOINT_URL")
    MEDIA_S3_PUBLIC_ENDPOINT_URL = env("MEDIA_S3_PUBLIC_ENDPOINT_URL")
    MEDIA_S3_REGION = env("MEDIA_S3_REGION")
    MEDIA_S3_ACCESS_KEY_ID = env("MEDIA_S3_ACCESS_KEY_ID")
    MEDIA_S3_SECRET_ACCESS_KEY = env("MEDIA_S3_SECRET_ACCESS_KEY")
    MEDIA_S3_PREFIX = env("MEDIA_S3_PREFIX", "")
    MEDIA_S3_URL_SECONDS = env_int("MEDIA_S3_URL_SECONDS", 60)
    # FFmpeg reads audio and video in a child process with these limits (CPU seconds, bytes).
    MEDIA_PROBE_SECONDS = env_int("MEDIA_PROBE_SECONDS", 60)
    MEDIA_PROBE_MEMORY = env_int("MEDIA_PROBE_MEMORY", 1024 * 1024 * 1024)
    # Chat attachments (docs/protocol.md#uploads): bytes per kind (413 above), what one user may
    # keep stored (413 quota_exceeded), uploads per user (429), and how long an upload may wait
    # for its message before `flask media cleanup` removes it.
    UPLOAD_MAX_IMAGE_BYTES = env_int("UPLOAD_MAX_IMAGE_BYTES", 10 * 1024 * 1024)
    UPLOAD_MAX_AUDIO_BYTES = env_int("UPLOAD_MAX_AUDIO_BYTES", 25 * 1024 * 1024)
    UPLOAD_MAX_VIDEO_BYTES = env_int("UPLOAD_MAX_VIDEO_BYTES", 100 * 1024 * 1024)
    UPLOAD_MAX_FILE_BYTES = env_int("UPLOAD_MAX_FILE_BYTES", 25 * 1024 * 1024)
    UPLOAD_QUOTA_BYTES = env_int("UPLOAD_QUOTA_BYTES", 2 * 1024 * 1024 * 1024)
    UPLOAD_RATE_LIMIT = env("UPLOAD_RATE_LIMIT", "30 per minute; 500 per day")
    UPLOAD_UNATTACHED_HOURS = env_int("UPLOAD_UNATTACHED_HOURS", 24)
    MAX_JSON_LENGTH = env_int("MAX_JSON_LENGTH", 256 * 1024)
    # The import page (docs/directory.md#import): the largest file, and where a previewed file
    # waits for its commit (default: `imports` next to MEDIA_ROOT; the workers of one machine share it).
    STUDENT_IMPORT_MAX_BYTES = env_int("STUDENT_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
    STUDENT_IMPORT_DIR = env("STUDENT_IMPORT_DIR")

    # Mail: "log" writes mails to the application log (development); "smtp" sends them.
    MAIL_BACKEND = env("MAIL_BACKEND", "smtp")
    MAIL_SERVER = env("MAIL_SERVER", "localhost")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Campus <no-reply@campus.local>")
    PASSWORD_RESET_MAX_AGE = env_int("PASSWORD_RESET_MAX_AGE", 3600)
    # Who may create an account (docs/design.md#registration): "verified" (anyone; a guest until
    # the mailed link is opened), "open" (a user at once, address still unverified), "closed"
    # (invitations by administrators only). With domains set, only those addresses (and their
    # subdomains) may register.
    REGISTRATION_MODE = env("REGISTRATION_MODE", "verified")
    REGISTRATION_EMAIL_DOMAINS = env_list("REGISTRATION_EMAIL_DOMAINS")
    EMAIL_VERIFICATION_MAX_AGE = env_int("EMAIL_VERIFICATION_MAX_AGE", 3 * 24 * 3600)
    EMAIL_VERIFICATION_MAIL_LIMIT = env("EMAIL_VERIFICATION_MAIL_LIMIT", "3 per hour")
    INVITATION_MAX_AGE = env_int("INVITATION_MAX_AGE", 14 * 24 * 3600)
    # Reset mails one address may receive (counted whether or not an account uses it).
    PASSWORD_RESET_MAIL_LIMIT = env("PASSWORD_RESET_MAIL_LIMIT", "3 per hour; 10 per day")
    # Mails go through a queue (campus.users.outbox): each process drains it every this many
    # seconds (0: never; `flask mail send` then does), retrying a failure up to MAIL_MAX_ATTEMPTS.
    MAIL_QUEUE_INTERVAL = float(env("MAIL_QUEUE_INTERVAL", "5"))
    MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 20)  # seconds an SMTP connection may wait

    # argon2id cost (argon2-cffi's defaults, RFC 9106's low-memory profile): passes, KiB of
    # memory, lanes. Each hash runs in an OS thread under eventlet/gevent (campus.core.concurrency);
    # docs/performance.md has its measured cost. Raising them re-hashes passwords at next login.
    PASSWORD_HASH_TIME_COST = env_int("PASSWORD_HASH_TIME_COST", 3)
    PASSWORD_HASH_MEMORY_COST = env_int("PASSWORD_HASH_MEMORY_COST", 64 * 1024)
    PASSWORD_HASH_PARALLELISM = env_int("PASSWORD_HASH_PARALLELISM", 4)

    # Tokens (flask-jwt-extended). Browsers get HttpOnly cookies with CSRF double submit.
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=env_int("JWT_ACCESS_TOKEN_SECONDS", 15 * 60))
    # A sign-in lasts at most JWT_REFRESH_TOKEN_DAYS; a refresh token unused for JWT_REFRESH_IDLE_DAYS
    # ends it sooner (each refresh carries on with a new one).
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=env_int("JWT_REFRESH_TOKEN_DAYS", 30))
    JWT_REFRESH_IDLE = timedelta(days=env_int("JWT_REFRESH_IDLE_DAYS", 7))
    JWT_COOKIE_SECURE = env_bool("JWT_COOKIE_SECURE", False)
    JWT_COOKIE_SAMESITE = "Lax"
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_CSRF_IN_COOKIES = True
    JWT_REFRESH_COOKIE_PATH = "/"

    # Tokens of the university's main backend (Django SimpleJWT); off unless a key is set.
    EXTERNAL_JWT_ALGORITHM = env("EXTERNAL_JWT_ALGORITHM", "HS256")
    EXTERNAL_JWT_SECRET = env("EXTERNAL_JWT_SECRET")
    EXTERNAL_JWT_PUBLIC_KEY = env("EXTERNAL_JWT_PUBLIC_KEY")
    EXTERNAL_JWT_AUDIENCE = env("EXTERNAL_JWT_AUDIENCE")
    EXTERNAL_JWT_ISSUER = env("EXTERNAL_JWT_ISSUER")
    EXTERNAL_JWT_LEEWAY = env_int("EXTERNAL_JWT_LEEWAY", 10)

    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # A moving window: a fixed one lets twice the limit through across a window's edge (and made
    # "the 11th guess in a minute is refused" depend on the clock).
    RATELIMIT_STRATEGY = "moving-window"
    # Per client address: failed sign-ins of every login form together (successful ones are free,
    # so a lecture hall behind one NAT address signs in at once), and registrations and reset
    # requests each. Per account: failures from devices it never signed in from (the owner's
    # devices count apart). Per signed-in user: wrong current passwords. docs/design.md#password-guessing
    LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "60 per minute; 600 per hour")
    LOGIN_ACCOUNT_LIMIT = env("LOGIN_ACCOUNT_LIMIT", "5 per minute; 20 per hour")
    PASSWORD_CHECK_LIMIT = env("PASSWORD_CHECK_LIMIT", "5 per 15 minutes")

    # Operations (docs/design.md#operations): `/metrics` answers only `Authorization: Bearer
    # <METRICS_TOKEN>` (404 while unset); `/readyz` gives each Redis PING this many seconds; on
    # SIGTERM a worker drains its sockets and events for at most SHUTDOWN_TIMEOUT seconds.
    METRICS_TOKEN = env("METRICS_TOKEN")
    READY_TIMEOUT = float(env("READY_TIMEOUT", "1"))
    SHUTDOWN_TIMEOUT = float(env("SHUTDOWN_TIMEOUT", "20"))
    # `python wsgi.py`'s log lines: "text", or "json" (one object a line, with the request's
    # X-Request-ID or the socket's id).
    LOG_FORMAT = env("LOG_FORMAT", "text")

    LANGUAGES = ["en", "ru"]
    # One catalog per domain (campus/<domain>/translations) plus the shared one (campus/translations).
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        str(path) for path in sorted((BASE_DIR / "campus").glob("**/translations")) if path.is_dir()
    )
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", "RU")

    WTF_CSRF_TIME_LIMIT = None
    # Strict-Transport-Security on https responses: browsers then refuse plain http for this long
    # (0: not sent). Set includeSubDomains at nginx if every subdomain is https.
    HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

    API_TITLE = "Campus API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"

    DEMO_DATA = False


class DevelopmentConfig(Config):
    DEBUG = True
    PUBLIC_URL = env("PUBLIC_URL", "http://127.0.0.1:5000")
    SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE", "threading")
    MAIL_BACKEND = env("MAIL_BACKEND", "log")
    DEMO_DATA = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    PUBLIC_URL = "http://campus.test"
    JWT_SECRET_KEY = "testing-jwt-secret-long-enough-for-hs256"
    SQLALCHEMY_DATABASE_URI = database_url(env("CAMPUS_TEST_DATABASE_URL", "sqlite://"))
    MAIL_BACKEND = "memory"
    MAIL_QUEUE_INTERVAL = 0  # tests send queued mail with `campus.users.outbox.deliver_due()`
    SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE", "threading")
    RATELIMIT_STORAGE_URI = "memory://"
    SOCKETIO_MESSAGE_QUEUE = None
    # `campus.chat.connections` counts sockets per process, across the many apps of a run (one
    # per test, with user ids starting again at 1): a cap would count another test's sockets.
    # The caps are tested with their own settings.
    SOCKETIO_MAX_PER_USER = 0
    SOCKETIO_MAX_PER_ADDRESS = 0
    # Presence tests see "offline" at once; the grace is tested with its own setting.
    PRESENCE_OFFLINE_GRACE = 0.0
    # Cheap hashing keeps the suite fast; the live-server tests run the production parameters.
    PASSWORD_HASH_TIME_COST, PASSWORD_HASH_MEMORY_COST, PASSWORD_HASH_PARALLELISM = 1, 1024, 1


class ProductionConfig(Config):
    DEBUG = False
    JWT_COOKIE_SECURE = env_bool("JWT_COOKIE_SECURE", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE", "eventlet")

    @classmethod
    def check(cls) -> None:
        """Refuse to start with the development secrets, short secrets, or no public URL."""
        if cls.SECRET_KEY == DEFAULT_SECRET or cls.JWT_SECRET_KEY == DEFAULT_JWT_SECRET:
            raise RuntimeError("Set SECRET_KEY and JWT_SECRET_KEY: production refuses the default secrets.")
        for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
            if len((getattr(cls, name) or "").encode()) < MIN_SECRET_BYTES:
                raise RuntimeError(
                    f"{name} must be at least {MIN_SECRET_BYTES} bytes of random data "
                    '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))").'
                )
        public = urlsplit(cls.PUBLIC_URL or "")
        if public.scheme not in ("http", "https") or not public.hostname or public.query or public.fragment:
            raise RuntimeError("Set PUBLIC_URL to where users reach Campus, e.g. https://campus.example.edu.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = env("CAMPUS_CONFIG", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"CAMPUS_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
