"""Account pages: register, login, logout, profile, password reset."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("users_views", __name__)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    return "todo"
