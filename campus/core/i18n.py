"""Language choice: the signed-in user's profile, else the browser's Accept-Language."""
from __future__ import annotations

from flask import current_app, g, request


def select_locale() -> str:
    user = g.get("current_user")
    languages = current_app.config["LANGUAGES"]
    if user is not None and getattr(user, "language", None) in languages:
        return user.language
    chosen = request.cookies.get("lang") if request else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
