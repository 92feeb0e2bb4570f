"""The dean's office's pages for the whole list: import in the browser (preview, then commit all
or none) and export as CSV or XLSX (docs/directory.md#import, #export).

The preview keeps the uploaded file under `STUDENT_IMPORT_DIR` (named by a random token and the
uploader's id) until it is committed or cancelled; committing reads and checks it again, so what
is written is what the rules say at that moment, with the same code as `flask students import`.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campus.core.concurrency import cooperative_pause, offload
from campus.core.errors import NotFound
from campus.core.forms import add_field_errors
from campus.core.pages import page_permission_required
from campus.majors.services import all_majors
from campus.students import exporting
from campus.students.forms import ImportDecisionForm, ImportForm, StudentFilterForm
from campus.students.import_files import UnreadableFile, file_format_of, read_upload
from campus.students.importing import ImportCheck, ImportRejected, ImportStale, check_rows, import_students

bp = Blueprint("students_office", __name__, url_prefix="/students")

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}\.(csv|xlsx|json)$")
PREVIEW_ROWS = 50  # rows to be created shown on the preview
PREVIEW_PROBLEMS = 500
STALE_AFTER = 3600  # seconds an uncommitted upload is kept


def _unreadable_text(error: UnreadableFile) -> str:
    texts = {
        "format": _("Choose a .csv, .xlsx or .json file."),
        "encoding": _("The file is neither UTF-8 nor Windows-1251 text."),
        "json": _("The file is not valid JSON."),
        "json_shape": _("The JSON must be a list of students."),
        "header": _("The file has no header row naming the columns."),
        "csv": _("The file is not valid CSV."),
        "xlsx": _("The file is not a readable XLSX workbook."),
        "zip_bomb": _("The workbook unpacks to far more than its size; it was refused."),
        "rows": _("The file has too many rows; split it into smaller files."),
    }
    return texts.get(error.reason, str(error))


# --- where previewed files wait ------------------------------------------------------------------


def _import_dir() -> Path:
    configured = current_app.config.get("STUDENT_IMPORT_DIR")
    path = Path(configured) if configured else Path(current_app.config["MEDIA_ROOT"]).parent / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(folder: Path) -> None:
    """Forget uploads nobody committed or cancelled within the hour."""
    now = time.time()
    for stale in folder.glob("*-*.*"):
        if now - stale.stat().st_mtime > STALE_AFTER:
            stale.unlink(missing_ok=True)


def _keep(data: bytes, file_format: str) -> str:
    folder = _import_dir()
    _sweep(folder)
    token = f"{secrets.token_urlsafe(18)}.{file_format}"
    (folder / f"{g.current_user.id}-{token}").write_bytes(data)
    return token


def _kept(token: str | None) -> Path:
    """The signed-in user's previewed file (404 for anything else: existence is not revealed)."""
    if not token or not TOKEN.match(token):
        raise NotFound(_("This import is over or was never started; upload the file again."))
    path = _import_dir() / f"{g.current_user.id}-{token}"
    if not path.is_file():
        raise NotFound(_("This import is over or was never started; upload the file again."))
    return path


def _plan_of(path: Path) -> Path:
    """Where the previewed plan's fingerprint waits beside the file (`ImportCheck.fingerprint`)."""
    return path.with_name(f"{path.name}.plan")


def _check(data: bytes, filename: str) -> ImportCheck:
    """Read the file in a thread off the event loop, then check its rows, yielding as it goes."""
    rows = offload(read_upload, data, filename)
    return check_rows(rows, pause=cooperative_pause())


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


# --- pages --------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@page_permission_required("directory.write")
def import_upload():
    form = ImportForm()
    if request.method == "POST" and form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["STUDENT_IMPORT_MAX_BYTES"]
        data = upload.read(limit + 1)
        if len(data) > limit:
            add_field_errors(form, {"file": [_("The file is larger than %(size)s.", size=_megabytes(limit))]})
            return render_template("students/import.html", form=form), 413
        try:
            kind = file_format_of(upload.filename or "")
            check = _check(data, upload.filename or "")
        except UnreadableFile as error:
            add_field_errors(form, {"file": [_unreadable_text(error)]})
        else:
            token = _keep(data, kind)
            _plan_of(_kept(token)).write_text(check.fingerprint)
            return _preview(check, token, upload.filename or "")
    if request.method == "POST":
        return render_template("students/import.html", form=form), 422
    return render_template("students/import.html", form=form)


def _preview(check: ImportCheck, token: str, filename: str, status: int = 200, stale: str | None = None):
    majors = {major.id: major.name for major in all_majors()}
    return (
        render_template(
            "students/import_preview.html",
            check=check,
            rows=check.rows[:PREVIEW_ROWS],
            updates=check.updates[:PREVIEW_ROWS],
            stale=stale,
            problems=check.problems[:PREVIEW_PROBLEMS],
            majors=majors,
            filename=filename,
            decision=ImportDecisionForm(formdata=None, data={"token": token}),
        ),
        status,
    )


@bp.route("/import/commit", methods=["POST"])
@page_permission_required("directory.write")
def import_commit():
    form = ImportDecisionForm()
    if not form.validate_on_submit():
        flash(_("The form's security token is missing or expired; upload the file again."), "error")
        return redirect(url_for(".import_upload"))
    path = _kept(form.token.data)
    plan = _plan_of(path)
    check = _check(path.read_bytes(), path.name)
    try:
        counts = import_students(check, actor_id=g.current_user.id, expected=plan.read_text() if plan.exists() else "")
    except (ImportRejected, ImportStale) as refused:
        # The directory changed since the preview: show what the file would do now; nothing was
        # written, and committing again means agreeing to this new preview.
        plan.write_text(check.fingerprint)
        stale = refused.message if isinstance(refused, ImportStale) else None
        return _preview(check, form.token.data, path.name.partition("-")[2], status=409, stale=stale)
    path.unlink(missing_ok=True)
    plan.unlink(missing_ok=True)
    flash(
        _("Imported: %(created)d added, %(updated)d updated.", created=counts.created, updated=counts.updated),
        "success",
    )
    return redirect(url_for("students.index"))


@bp.route("/import/cancel", methods=["POST"])
@page_permission_required("directory.write")
def import_cancel():
    form = ImportDecisionForm()
    if form.validate_on_submit():
        path = _kept(form.token.data)
        path.unlink(missing_ok=True)
        _plan_of(path).unlink(missing_ok=True)
        flash(_("Import cancelled; nothing was written."), "info")
    return redirect(url_for(".import_upload"))


@bp.route("/export.<any(csv, xlsx):file_format>")
@page_permission_required("directory.read_public")
def export(file_format: str):
    """The list as the filters in the query string show it, every page of it."""
    viewer = g.current_user
    form = StudentFilterForm(request.args, majors=all_majors(), full=viewer.can("directory.read_full"))
    if not form.validate():
        return redirect(url_for("students.index", **request.args))
    columns = exporting.columns_for(viewer)
    rows = exporting.values(exporting.matching_students(viewer, form.filters()), columns)
    body = offload(exporting.to_csv if file_format == "csv" else exporting.to_xlsx, rows, columns)
    response = make_response(body)
    response.headers["Content-Type"] = exporting.MIME[file_format]
    response.headers["Content-Disposition"] = f'attachment; filename="students.{file_format}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
