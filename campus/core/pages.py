"""What every domain's HTML pages share: the page guards and the links between keyset pages.

The signed-in user is `g.current_user`, loaded for every page by the accounts' page session
(`campus.users.web`), which also names its login page here at start-up, so that `core` imports
nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campus.core.security import require_permission


def set_login_view(app: Flask, endpoint: str) -> None:
    """The endpoint `page_login_required` sends signed-out visitors to."""
    app.extensions["campus_login_view"] = endpoint


def page_login_required(view: Callable) -> Callable:
    """Pages: redirect to the login page when nobody is signed in."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("current_user") is None:
            flash(_("Please sign in."), "info")
            login_view = current_app.extensions["campus_login_view"]
            return redirect(url_for(login_view, next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def page_permission_required(permission: str) -> Callable[[Callable], Callable]:
    """Pages: signed in and holding `permission` (403 page otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @page_login_required
        def wrapper(*args, **kwargs):
            require_permission(g.current_user, permission)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def page_links(
    endpoint: str, next_cursor: str | None, prev_cursor: str | None = None, **values: Any
) -> dict[str, str | None]:
    """Links to a list's next, previous and first pages, keeping the current query string's filters.

    A list whose service gives no `prev_cursor` has no previous link; the first-page link is there
    on every page after the first."""
    args = {key: value for key, value in request.args.items() if key != "cursor" and value}
    first = url_for(endpoint, **args, **values)
    prev = None
    if prev_cursor:
        prev = url_for(endpoint, **args, cursor=prev_cursor, **values)
    return {
        "next": url_for(endpoint, **args, cursor=next_cursor, **values) if next_cursor else None,
        "prev": prev,
        "first": first if request.args.get("cursor") else None,
    }


def confirmation(
    *,
    title: str,
    question: str,
    action: str,
    confirm: str,
    cancel: str,
    hidden: dict[str, str] | None = None,
    refusal: str | None = None,
):
    """A page that asks before a destructive POST, without JavaScript (docs/design.md#confirmations).

    Its form posts to `action` with the CSRF token and the `hidden` fields; `cancel` is the URL
    back. With `refusal` the page says why it can't be done, and offers no button (a 409)."""
    from campus.core.forms import ConfirmForm

    page = render_template(
        "confirm.html",
        title=title,
        question=question,
        action=action,
        confirm=confirm,
        cancel=cancel,
        hidden=hidden or {},
        refusal=refusal,
        form=ConfirmForm(),
    )
    return page, 409 if refusal else 200
