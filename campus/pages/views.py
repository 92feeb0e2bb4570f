"""The home page: each role sees its work (docs/design.md#home-by-role)."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from campus.pages import dashboard

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    user = g.get("current_user")
    panels: dict = {}
    if user is not None and user.is_active:
        if user.can("chat.use"):
            panels["chats"] = dashboard.my_chats(user)
        if user.can("students.own_record"):
            panels["student"] = dashboard.student_panel(user)
        if user.can("chat.join_campus"):
            panels["teaching"] = dashboard.teacher_panel(user)
        if user.can("directory.write") or user.can("users.manage"):
            panels["office"] = dashboard.office_panel()
        if user.can("audit.read"):
            panels["audit"], panels["people"] = dashboard.recent_audit()
    return render_template("pages/home.html", panels=panels)
