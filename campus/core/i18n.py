"""Language choice: the signed-in user's profile, else the browser's Accept-Language."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request


def select_locale() -> str:
    user = g.get("current_user")
    languages = current_app.config["LANGUAGES"]
    if user is not None and getattr(user, "language", None) in languages:
        return user.language
    if not has_request_context():  # CLI commands, background tasks
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
