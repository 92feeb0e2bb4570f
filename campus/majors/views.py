"""Major pages: the list with student counts for everyone in the directory, editing for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from campus.core.errors import Conflict, ValidationError
from campus.core.forms import ConfirmForm, schema_errors, show_error
from campus.core.pages import confirmation, page_links, page_permission_required
from campus.majors import services
from campus.majors.forms import MajorForm
from campus.majors.schemas import MajorCreateSchema

bp = Blueprint("majors", __name__, url_prefix="/majors")


@bp.route("/")
@page_permission_required("directory.read_public")
def index():
    result = services.list_majors(limit=100, cursor=request.args.get("cursor") or None)
    return render_template(
        "majors/index.html",
        majors=result["items"],
        links=page_links(".index", result["next_cursor"]),
        may_write=g.current_user.can("directory.write"),
        delete_form=ConfirmForm(),
    )


def _save(form: MajorForm, major=None):
    if not form.validate():
        return None
    values = schema_errors(
        form, MajorCreateSchema(), {"name": form.name.data or "", "description": form.description.data or ""}
    )
    if values is None:
        return None
    try:
        if major is None:
            return services.create_major(g.current_user.id, **values)
        return services.update_major(g.current_user.id, major, values)
    except (Conflict, ValidationError) as error:
        show_error(form, error, field="name")
        return None


@bp.route("/new", methods=["GET", "POST"])
@page_permission_required("directory.write")
def create():
    form = MajorForm()
    if request.method == "POST" and (major := _save(form)) is not None:
        flash(_("Major %(name)s added.", name=major.name), "success")
        return redirect(url_for(".index"))
    return render_template("majors/form.html", form=form, major=None)


@bp.route("/<int:major_id>/edit", methods=["GET", "POST"])
@page_permission_required("directory.write")
def edit(major_id: int):
    major = services.get_major(major_id)
    form = MajorForm(obj=major if request.method == "GET" else None)
    if request.method == "POST" and _save(form, major) is not None:
        flash(_("Changes saved."), "success")
        return redirect(url_for(".index"))
    return render_template("majors/form.html", form=form, major=major)


@bp.route("/<int:major_id>/delete", methods=["GET", "POST"])
@page_permission_required("directory.write")
def delete(major_id: int):
    major = services.get_major(major_id)
    if request.method == "GET":
        refusal = None
        if major.student_count:
            refusal = ngettext(
                "%(name)s still has %(num)d student; move or delete them first.",
                "%(name)s still has %(num)d students; move or delete them first.",
                major.student_count,
                name=major.name,
            )
        return confirmation(
            title=_("Delete the major %(name)s?", name=major.name),
            question=_("The major and its description are deleted. This cannot be undone."),
            action=url_for(".delete", major_id=major.id),
            confirm=_("Delete the major"),
            cancel=url_for(".index"),
            refusal=refusal,
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_major(g.current_user.id, major)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("Major %(name)s deleted.", name=major.name), "success")
    return redirect(url_for(".index"))
