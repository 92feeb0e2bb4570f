"""Campus: a university portal — directory, accounts and real-time chat — in one Flask app."""

from __future__ import annotations

from flask import Flask

from config import Config, config_from_env


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the application for `config_class` (default: from `CAMPUS_CONFIG`)."""
    config_class = config_class or config_from_env()
    check = getattr(config_class, "check", None)
    if check:
        check()
    app = Flask(__name__)
    app.config.from_object(config_class)
    register_url_converters(app)
    register_extensions(app)
    import_models()
    register_blueprints(app)
    register_namespaces(app)
    register_signal_receivers(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_operations(app)
    register_mail_queue(app)
    register_commands(app)
    return app


def register_url_converters(app: Flask) -> None:
    from campus.core.web import register_url_converters as register

    register(app)


def register_extensions(app: Flask) -> None:
    from campus.chat import NAMESPACE as CHAT_NAMESPACE
    from campus.chat.packets import SocketPacket
    from campus.chat.rooms import client_manager as chat_client_manager
    from campus.core.api import DocumentRules, install_document_rules
    from campus.core.database import configure_sqlite
    from campus.core.i18n import select_locale
    from campus.core.mail import BACKENDS
    from campus.core.security import set_token_resolver
    from campus.core.socket_guard import SocketGuard
    from campus.core.sockets import PageSessionInterface, origin_check
    from campus.core.web import with_engineio_headers
    from campus.extensions import api, babel, csrf, db, jwt, limiter, mail, migrate, socketio
    from campus.media import storage
    from campus.users import passwords, registration
    from campus.users.tokens import check_token, resolve_token

    storage.init_app(app)
    db.init_app(app)
    with app.app_context():
        configure_sqlite(app, db.engine)
    from campus.chat.search import include_in_migrations

    migrate.init_app(app, db, render_as_batch=True, compare_type=True, include_name=include_in_migrations)
    jwt.init_app(app)
    set_token_resolver(app, resolve_token, check_token)
    passwords.init_app(app)
    registration.check_config(app)
    csrf.init_app(app)
    limiter.init_app(app)
    app.config["MAIL_BACKEND"] = BACKENDS.get(app.config["MAIL_BACKEND"], app.config["MAIL_BACKEND"])
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    api.init_app(
        app,
        spec_kwargs={
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
            "extra_plugins": [DocumentRules()],
        },
    )
    install_document_rules(api)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        # The queue manager Flask-SocketIO would pick, able to move a user's sockets between
        # rooms on every worker (campus.chat.rooms).
        client_manager=chat_client_manager(
            app.config["SOCKETIO_MESSAGE_QUEUE"], channel=app.config["SOCKETIO_CHANNEL"]
        ),
        cors_allowed_origins=origin_check(app.config["SOCKETIO_ALLOWED_ORIGINS"]),
        max_http_buffer_size=app.config["SOCKETIO_MAX_HTTP_BUFFER_SIZE"],
        # Flask-SocketIO would copy the Flask session into every event; Campus keeps no
        # state there (auth is a JWT), so skip the copy (docs/design.md#hot-paths).
        manage_session=False,
        # Undecodable payloads (deeply nested JSON) get an error ack, not a traceback.
        serializer=SocketPacket,
    )
    # It still takes `flask.session` in every event: don't open the page's session cookie for
    # that (the middleware Flask-SocketIO has just installed knows the Socket.IO path).
    app.session_interface = PageSessionInterface(app.wsgi_app.engineio_path)
    # Engine.IO answers its HTTP requests itself: give them the security headers too.
    app.wsgi_app = with_engineio_headers(app.wsgi_app, app.wsgi_app.engineio_path)
    # Bounds on what one connection can make the server hold (docs/design.md#socket-limits).
    app.extensions["campus_socket_guard"] = SocketGuard(
        socketio.server,
        namespace=CHAT_NAMESPACE,
        auth_timeout=app.config["SOCKETIO_AUTH_TIMEOUT"],
        max_queued_bytes=app.config["SOCKETIO_MAX_QUEUED_BYTES"],
    ).install()


def import_models() -> None:
    """Every domain's tables on `db.metadata` (for relationships and migrations)."""
    import campus.audit.models
    import campus.chat.models
    import campus.majors.models
    import campus.roles.models
    import campus.students.models
    import campus.users.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """HTML blueprints on the app, JSON ones through flask-smorest (for the OpenAPI document)."""
    from campus.admin.views import bp as admin_views
    from campus.chat.api import chats_api, messages_api
    from campus.chat.moderation_api import moderation_api
    from campus.chat.search_api import search_api
    from campus.chat.uploads_api import uploads_api
    from campus.chat.views import bp as chat_views
    from campus.extensions import api, csrf
    from campus.majors.api import majors_api
    from campus.majors.views import bp as majors_views
    from campus.pages.views import bp as pages_views
    from campus.students.api import students_api
    from campus.students.office_views import bp as students_office_views
    from campus.students.views import bp as students_views
    from campus.users.api import auth_api, users_api
    from campus.users.views import bp as users_views

    html = (pages_views, users_views, admin_views, chat_views, majors_views, students_views, students_office_views)
    for blueprint in html:
        app.register_blueprint(blueprint)
    for blueprint in (
        auth_api,
        users_api,
        majors_api,
        students_api,
        chats_api,
        messages_api,
        moderation_api,
        search_api,
        uploads_api,
    ):
        # JSON endpoints use Bearer tokens, or the JWT cookie with its own double-submit check.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)


def register_namespaces(app: Flask) -> None:
    """The chat's Socket.IO namespace."""
    from campus.chat import NAMESPACE
    from campus.chat.events import ChatNamespace
    from campus.extensions import socketio

    # The SocketIO object outlives an app (tests build many); register the namespace once.
    if not any(handler.namespace == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(ChatNamespace(NAMESPACE))


def register_signal_receivers(app: Flask) -> None:
    """The higher layers' receivers of the lower layers' signals (sent after their commits)."""
    from campus.chat import receivers as chat
    from campus.majors.signals import major_renamed
    from campus.students.signals import student_membership_changed
    from campus.users import contacts
    from campus.users.signals import role_changed, sessions_ended

    # Campus chats follow the directory; revoked credentials end their sockets; a role that may
    # not chat stops hearing chats. Signals outlive an app too: connecting the same receiver
    # again is a no-op.
    student_membership_changed.connect(chat.on_student_membership_changed)
    major_renamed.connect(chat.on_major_renamed)
    sessions_ended.connect(chat.on_sessions_ended)
    role_changed.connect(chat.on_role_changed)
    # What one user may see of another (last seen) depends on sharing a chat.
    contacts.register("chat", chat.members_sharing_a_chat)


def register_error_handlers(app: Flask) -> None:
    from campus.core.errors import register_error_handlers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from campus.core.web import register_web_hooks
    from campus.users.web import register_page_session

    register_page_session(app)
    register_web_hooks(app)


def register_operations(app: Flask) -> None:
    """`/healthz`, `/readyz`, `/metrics` and what feeds them."""
    from campus import ops

    ops.init_app(app)


def register_mail_queue(app: Flask) -> None:
    """Mail goes out from a queue the process drains (docs/design.md#mail-outside-requests)."""
    from campus.users import mails  # noqa: F401 - registers the composers of each kind of mail
    from campus.users.outbox import start_worker

    start_worker(app)


def register_commands(app: Flask) -> None:
    from campus.cli import register_cli

    register_cli(app)
