"""HR's import (dry run, confirmation, progress) and export of the people table."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.utils import secure_filename

from ..access import Permission, requires
from ..bounded import capped, more_problems
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..tenancy import get_in_company_or_404
from ..uploads import accepts_upload
from ..web import attach_error, render_form
from . import importer, progress
from .export import export_rows, to_csv, to_xlsx
from .forms import ImportForm
from .models import ImportBatch
from .tabular import MAX_FILE_BYTES, Issue

bp = Blueprint("people_import", __name__)
SHOWN = 200  # rows of each kind listed on the preview; the counts are always complete


@bp.route("/people/import", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
@accepts_upload(MAX_FILE_BYTES)
def upload():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = secure_filename(upload.filename or "") or "people.csv"
        try:
            table, plan, batch = importer.dry_run(current_user, filename, upload.read())
        except DomainError as error:
            attach_error(form, error)
        else:
            if batch is not None:
                db.session.commit()
                return redirect(url_for("people_import.preview", batch_id=batch.id))
            issues = table.issues or plan.issues
            shown = capped(issues, lambda count: Issue(None, None, more_problems(count)))
            return render_template("people/import_errors.html", form=form, issues=shown,
                                   total=len(issues), rows=len(table.rows),
                                   filename=filename), 422
    return render_form("people/import.html", form)


@bp.get("/people/import/<int:batch_id>")
@requires(Permission.MANAGE_PEOPLE)
def preview(batch_id: int):
    batch = get_in_company_or_404(ImportBatch, batch_id, current_user)
    importer.check_importer(current_user)  # a batch names people all over the company
    return render_template("people/import_preview.html", batch=batch, shown=SHOWN,
                           progress=progress.status_of(batch.id, batch.status))


@bp.post("/people/import/<int:batch_id>/confirm")
@requires(Permission.MANAGE_PEOPLE)
def confirm(batch_id: int):
    batch = get_in_company_or_404(ImportBatch, batch_id, current_user)
    try:
        with progress.Applying(progress.store(), batch.id) as report:
            importer.confirm(current_user, batch, progress=report)
            db.session.commit()
    except NotAllowed:
        raise  # a refusal, not a flash: 403 and the audit log
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        if isinstance(error, importer.StaleImport):
            return _go_to(url_for("people_import.upload"))
        return _go_to(url_for("people_import.preview", batch_id=batch_id))
    flash(f"Import applied: {batch.created_count} added, {batch.updated_count} updated, "
          f"{batch.unchanged_count} unchanged.", "success")
    return _go_to(url_for("people_import.preview", batch_id=batch_id))


def _go_to(location: str):
    """Redirect a plain form post; tell the page's script where to go instead, so the flash
    message waits for the page the browser loads next rather than a redirect fetch follows."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(location=location)
    return redirect(location)


@bp.get("/people/import/<int:batch_id>/status")
@requires(Permission.MANAGE_PEOPLE)
def status(batch_id: int):
    batch = get_in_company_or_404(ImportBatch, batch_id, current_user)
    importer.check_importer(current_user)
    return jsonify(progress.status_of(batch.id, batch.status))


@bp.get("/people/export.<fmt>")
@requires(Permission.MANAGE_PEOPLE)
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    rows = export_rows(current_user)
    slug = current_user.company.slug
    if fmt == "csv":
        body, mimetype = to_csv(rows), "text/csv; charset=utf-8"
    else:
        body = to_xlsx(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{slug}-people.{fmt}"'})
