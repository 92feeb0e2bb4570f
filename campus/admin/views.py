"""Admin pages: users (search, role filter, role and activation changes) and the audit log.

Changes go through `campus.users.services`, which enforces the limits of docs/design.md#roles-and-permissions and writes the
audit entries; these views only turn its refusals into flash messages.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campus.admin import audit_changes, services
from campus.admin.forms import ActiveForm, AuditFilterForm, InviteForm, RoleForm, UserFilterForm
from campus.admin.labels import action_label, target_label, value_label
from campus.core.errors import CampusError
from campus.core.exports import csv_bytes
from campus.core.pages import confirmation, page_links, page_permission_required
from campus.extensions import db
from campus.roles.labels import permission_label, role_label
from campus.users import registration
from campus.users import services as users

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.app_context_processor
def admin_helpers():
    """Audit and role labels for every template (the home page shows recent audit entries too)."""
    return {
        "role_label": role_label,
        "action_label": action_label,
        "target_label": target_label,
        "value_label": value_label,
        "permission_label": permission_label,
    }


def _form_errors(form) -> None:
    for field_name, messages in form.errors.items():
        field = getattr(form, field_name, None)
        label = field.label.text if field is not None and field.label.text else field_name
        for message in messages:
            flash(f"{label}: {message}", "error")


@bp.route("/")
@page_permission_required("users.manage")
def index():
    return redirect(url_for(".users_list"))


@bp.route("/users")
@page_permission_required("users.manage")
def users_list():
    form = UserFilterForm(request.args, role_names=services.role_names())
    result = {"items": [], "next_cursor": None, "prev_cursor": None}
    if form.validate():
        result = services.list_users(
            q=form.q.data, role=form.role.data or None, cursor=form.cursor.data or None, limit=form.page_size()
        )
    links = page_links(".users_list", result["next_cursor"], result["prev_cursor"])
    return render_template(
        "admin/users.html", form=form, invite_form=InviteForm(formdata=None), users=result["items"], links=links
    )


@bp.route("/users/invitations", methods=["POST"])
@page_permission_required("users.manage")
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        try:
            registration.invite(g.current_user, form.email.data)
        except CampusError as error:
            db.session.rollback()
            for messages in (error.fields or {"_": [error.message]}).values():
                for message in messages:
                    flash(message, "error")
        else:
            flash(_("An invitation is on its way to %(email)s.", email=form.email.data.strip().lower()), "success")
    return redirect(url_for(".users_list"))


@bp.route("/users/<int:user_id>")
@page_permission_required("users.manage")
def user_detail(user_id: int):
    target = users.get_user(user_id)
    actor = g.current_user
    assignable = services.assignable_role_names(actor)
    may_manage = target.id != actor.id and target.role.name in assignable
    role_form = RoleForm(formdata=None, role_names=assignable, data={"role": target.role.name})
    active_form = ActiveForm(formdata=None, data={"active": "0" if target.is_active else "1"})
    history, people = [], {}
    if actor.can("audit.read"):
        history = services.list_audit(target_type="user", target_id=target.id, limit=20)["items"]
        people = services.users_by_id({entry.actor_id for entry in history if entry.actor_id})
    return render_template(
        "admin/user.html",
        target=target,
        may_manage=may_manage,
        role_form=role_form,
        active_form=active_form,
        history=history,
        people=people,
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@page_permission_required("users.manage")
def change_role(user_id: int):
    target = users.get_user(user_id)
    # Every role is a valid choice here; the service decides what this actor may grant.
    form = RoleForm(role_names=services.role_names())
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        old = target.role.name
        try:
            users.change_role(g.current_user, target, form.role.data)
        except CampusError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            if old != target.role.name:
                flash(
                    _("%(name)s is now %(role)s.", name=target.full_name, role=role_label(target.role.name)), "success"
                )
    return redirect(url_for(".user_detail", user_id=user_id))


@bp.route("/users/<int:user_id>/active", methods=["GET", "POST"])
@page_permission_required("users.manage")
def change_active(user_id: int):
    target = users.get_user(user_id)
    if request.method == "GET":  # deactivating asks first; activating is one click
        return confirmation(
            title=_("Deactivate %(name)s?", name=target.full_name),
            question=_(
                "They are signed out everywhere at once and cannot sign in until an administrator activates "
                "the account again."
            ),
            action=url_for(".change_active", user_id=target.id),
            confirm=_("Deactivate"),
            cancel=url_for(".user_detail", user_id=target.id),
            hidden={"active": "0"},
        )
    form = ActiveForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        try:
            users.set_active(g.current_user, target, form.active.data == "1")
        except CampusError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            if target.is_active:
                flash(_("%(name)s is active.", name=target.full_name), "success")
            else:
                flash(_("%(name)s is deactivated.", name=target.full_name), "success")
    return redirect(url_for(".user_detail", user_id=user_id))


@bp.route("/roles")
@page_permission_required("users.manage")
def roles_overview():
    """The role table as seeded: each role, what it may do, how many hold it."""
    return render_template("admin/roles.html", roles=services.roles_with_counts())


def _audit_filters(form: AuditFilterForm) -> dict | None:
    """The service's filters from the form, or None when the form has errors (shown on it)."""
    if not form.validate():
        return None
    actor_id = None
    if form.actor.data:
        actor = users.find_by_email(form.actor.data)
        if actor is None:
            form.actor.errors.append(_("No account has this email."))
            return None
        actor_id = actor.id
    return {
        "action": form.action.data or None,
        "actor_id": actor_id,
        "target_type": form.target_type.data or None,
        "target_id": form.target_id.data,
        "since": form.since.data,
        "until": form.until.data,
    }


def _audit_form() -> AuditFilterForm:
    return AuditFilterForm(request.args, actions=services.audit_actions(), target_types=services.audit_target_types())


@bp.route("/audit")
@page_permission_required("audit.read")
def audit_log():
    form = _audit_form()
    result = {"items": [], "next_cursor": None, "prev_cursor": None}
    filters = _audit_filters(form)
    if filters is not None:
        result = services.list_audit(**filters, cursor=form.cursor.data or None, limit=form.page_size())
    args = {key: value for key, value in request.args.items() if key != "cursor" and value}
    return render_template(
        "admin/audit.html",
        form=form,
        rows=audit_changes.readable(result["items"]),
        links=page_links(".audit_log", result["next_cursor"], result.get("prev_cursor")),
        export_url=url_for(".audit_csv", **args),
    )


@bp.route("/audit.csv")
@page_permission_required("audit.read")
def audit_csv():
    """The filtered log as CSV, newest first (at most `AUDIT_EXPORT_ROWS` entries)."""
    filters = _audit_filters(_audit_form())
    if filters is None:
        return redirect(url_for(".audit_log", **request.args))
    body = csv_bytes(AUDIT_COLUMNS, _audit_csv_rows(filters))
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


AUDIT_COLUMNS = ("id", "at_utc", "actor", "actor_email", "action", "target", "field", "before", "after")
AUDIT_EXPORT_ROWS = 50_000


def _audit_csv_rows(filters: dict):
    cursor, written = None, 0
    while written < AUDIT_EXPORT_ROWS:
        result = services.list_audit(**filters, cursor=cursor, limit=500)
        for row in audit_changes.readable(result["items"]):
            entry, actor = row.entry, row.actor
            who = (actor.full_name, actor.email) if actor else ("", "")
            for change in row.changes or [audit_changes.Change("", "", "")]:
                yield (
                    entry.id,
                    entry.at.isoformat(),
                    *who,
                    row.action,
                    row.target,
                    change.label,
                    change.before,
                    change.after,
                )
        written += len(result["items"])
        cursor = result["next_cursor"]
        if cursor is None:
            return
