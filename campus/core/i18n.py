"""Language choice (the signed-in user's profile, else the browser's Accept-Language) and `N_`."""

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


def N_(message: str) -> str:  # noqa: N802 - gettext's name for it, which `pybabel extract` knows
    """Mark `message` for translation where it is defined (kept in English, e.g. in the database);
    whoever shows it translates it with `gettext`."""
    return message
