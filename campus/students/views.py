"""Student pages: the list (cards, filters, pages), a record, the admin form, and "my record"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campus.core.errors import CampusError, ValidationError
from campus.core.forms import ConfirmForm, add_field_errors, schema_errors
from campus.core.pages import confirmation, page_links, page_permission_required
from campus.core.phones import format_phone
from campus.majors.services import all_majors
from campus.students import services
from campus.students.forms import ContactForm, StudentFilterForm, StudentForm
from campus.students.schemas import StudentContactSchema, StudentWriteSchema, photo_url
from campus.users.services import find_by_email

bp = Blueprint("students", __name__, url_prefix="/students")


def has_student_record() -> bool:
    """Whether the signed-in account is linked to a student record (for the nav; once per request)."""
    user = g.get("current_user")
    if user is None or not user.can("students.own_record"):
        return False
    if "has_student_record" not in g:
        g.has_student_record = services.student_of_user(user.id) is not None
    return g.has_student_record


@bp.app_context_processor
def directory_helpers():
    return {"photo_url": photo_url, "format_phone": format_phone, "has_student_record": has_student_record}


@bp.route("/")
@page_permission_required("directory.read_public")
def index():
    viewer = g.current_user
    full = viewer.can("directory.read_full")
    form = StudentFilterForm(request.args, majors=all_majors(), full=full)
    result = {"items": [], "next_cursor": None, "prev_cursor": None}
    if form.validate():
        try:
            result = services.list_students(viewer, limit=form.page_size(), **form.filters())
        except ValidationError as error:
            fields = dict(error.fields or {})
            if fields.pop("cursor", None):  # a hidden field: say it where it shows
                form.form_errors.append(_("This page link is broken or out of date; start from the first page."))
            add_field_errors(form, fields)
    return render_template(
        "students/index.html",
        form=form,
        students=result["items"],
        links=page_links(".index", result["next_cursor"], result.get("prev_cursor")),
        full=full,
    )


@bp.route("/<int:student_id>")
@page_permission_required("directory.read_public")
def detail(student_id: int):
    student = services.get_student(student_id)
    return render_template(
        "students/detail.html",
        student=student,
        full=services.may_see_full(g.current_user, student),
        delete_form=ConfirmForm(),
    )


def _save(form: StudentForm, student=None):
    """Validate with the API's schema and save; returns the student, or None with errors on the form."""
    values = schema_errors(form, StudentWriteSchema(), form.record()) if form.validate() else None
    if values is None:
        return None
    account_email = (form.account_email.data or "").strip()
    if account_email:
        account = find_by_email(account_email)
        if account is None:
            add_field_errors(form, {"account_email": [_("No account has this email.")]})
            return None
        values["user_id"] = account.id
    else:
        values["user_id"] = None
    actor = g.current_user.id
    photo = (form.photo.data.read(), form.photo.data.filename) if form.photo.data else None
    try:
        if student is None:
            return services.create_student(actor, values, photo=photo)
        return services.update_student(actor, student, values, photo=photo, remove_photo=form.remove_photo.data)
    except CampusError as error:
        fields = dict(error.fields or {})
        if "user_id" in fields:
            fields["account_email"] = fields.pop("user_id")
        if not fields:  # a refused photo (415, 413) carries no field names
            fields = {"photo": [error.message]}
        add_field_errors(form, fields)
        return None


@bp.route("/new", methods=["GET", "POST"])
@page_permission_required("directory.write")
def create():
    form = StudentForm(majors=all_majors())
    if request.method == "POST":
        student = _save(form)
        if student is not None:
            flash(_("Student %(name)s added.", name=student.full_name), "success")
            return redirect(url_for(".detail", student_id=student.id))
    return render_template("students/form.html", form=form, student=None)


@bp.route("/<int:student_id>/edit", methods=["GET", "POST"])
@page_permission_required("directory.write")
def edit(student_id: int):
    student = services.get_student(student_id)
    form = StudentForm(majors=all_majors(), obj=student if request.method == "GET" else None)
    if request.method == "GET":
        form.course.data = str(student.course)
        form.major_id.data = str(student.major_id)
        from campus.extensions import db
        from campus.users.models import User

        account = db.session.get(User, student.user_id) if student.user_id else None
        form.account_email.data = account.email if account else ""
    else:
        saved = _save(form, student)
        if saved is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".detail", student_id=student.id))
    return render_template("students/form.html", form=form, student=student)


@bp.route("/<int:student_id>/delete", methods=["GET", "POST"])
@page_permission_required("directory.write")
def delete(student_id: int):
    student = services.get_student(student_id)
    if request.method == "GET":
        return confirmation(
            title=_("Delete %(name)s?", name=student.full_name),
            question=_(
                "The record and its photo are deleted, and its account leaves the major's and cohort's chats. "
                "This cannot be undone."
            ),
            action=url_for(".delete", student_id=student.id),
            confirm=_("Delete the record"),
            cancel=url_for(".detail", student_id=student.id),
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_student(g.current_user.id, student)
    flash(_("Student %(name)s deleted.", name=student.full_name), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:student_id>/photo/delete", methods=["GET", "POST"])
@page_permission_required("directory.write")
def delete_photo(student_id: int):
    """Remove a record's photo, asking first."""
    student = services.get_student(student_id)
    if student.photo_key is None:
        return redirect(url_for(".detail", student_id=student.id))
    if request.method == "GET":
        return confirmation(
            title=_("Remove the photo of %(name)s?", name=student.full_name),
            question=_("The photo and its thumbnail are deleted. This cannot be undone."),
            action=url_for(".delete_photo", student_id=student.id),
            confirm=_("Remove the photo"),
            cancel=url_for(".detail", student_id=student.id),
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_photo(g.current_user.id, student)
    flash(_("Photo removed."), "success")
    return redirect(url_for(".detail", student_id=student.id))


@bp.route("/me", methods=["GET", "POST"])
@page_permission_required("students.own_record")
def my_record():
    student = services.student_of_user(g.current_user.id)
    if student is None:
        return render_template("students/my_record.html", student=None, form=None), 404
    form = ContactForm(obj=student if request.method == "GET" else None)
    if request.method == "GET":
        form.phone_number.data = format_phone(student.phone_number)
    elif form.validate():
        changes = schema_errors(
            form, StudentContactSchema(), {"phone_number": form.phone_number.data, "address": form.address.data}
        )
        if changes is not None:
            services.update_own_contacts(g.current_user, student, changes)
            flash(_("Your contact details are saved."), "success")
            return redirect(url_for(".my_record"))
    return render_template("students/my_record.html", student=student, form=form)
