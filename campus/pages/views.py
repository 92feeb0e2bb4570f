"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    return render_template("pages/home.html")


@bp.route("/healthz")
def healthz():
    """Liveness and database check for load balancers and tests."""
    from sqlalchemy import text

    from campus.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
