"""Versions of a ladder (HR): publish, history, compare, restore, export, import, audit."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..access import Permission, requires
from ..audit import AuditEvent
from ..errors import DomainError
from ..extensions import db
from ..people.models import Person
from ..uploads import accepts_upload
from ..web import attach_error, render_form
from . import catalog, versions
from .diff import compare as compare_documents
from .document import MAX_UPLOAD, LadderDocumentError
from .forms import ImportForm, PublishForm
from .service import load_ladder
from .studio import draft_page

bp = Blueprint("versions", __name__)


@bp.post("/ladders/<int:ladder_id>/publish")
@requires(Permission.MANAGE_LADDERS)
def publish(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            version = versions.publish(current_user, ladder, form.summary.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Version {version.number} published; everyone now sees it.", "success")
            return redirect(url_for("versions.history", ladder_id=ladder_id))
    return draft_page(ladder_id, publish_form=form)


@bp.get("/ladders/<int:ladder_id>/versions")
@requires(Permission.VIEW_LADDER_DRAFTS)
def history(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    return render_template("studio/versions.html", ladder=ladder,
                           versions=versions.list_versions(ladder), form=FlaskForm())


def _document(ladder, which: str | None):
    if which == "draft":
        return versions.draft_document(ladder), "the draft"
    version = versions.get_version(ladder, which)
    return version.document, f"version {version.number}"


@bp.get("/ladders/<int:ladder_id>/compare")
@requires(Permission.VIEW_LADDER_DRAFTS)
def compare(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    try:
        old, old_label = _document(ladder, request.args.get("a"))
        new, new_label = _document(ladder, request.args.get("b", "draft"))
    except DomainError as error:
        flash(f"{error.message} Pick two versions from the list.", "error")
        return redirect(url_for("versions.history", ladder_id=ladder_id))
    return render_template("studio/compare.html", ladder=ladder, old_label=old_label,
                           new_label=new_label, changes=compare_documents(old, new))


@bp.post("/ladders/<int:ladder_id>/versions/<int:number>/restore")
@requires(Permission.MANAGE_LADDERS)
def restore(ladder_id: int, number: int):
    ladder = load_ladder(current_user, ladder_id)
    try:
        version = versions.get_version(ladder, number)
    except DomainError:
        abort(404)
    try:
        versions.restore(current_user, ladder, version)
    except DomainError as error:
        db.session.rollback()
        flash(f"Version {number} was not restored: {error.message}", "error")
        return redirect(url_for("versions.history", ladder_id=ladder_id))
    db.session.commit()
    flash(f"Version {number} is back in the draft; publish it to show it to everyone.", "success")
    return redirect(url_for("studio.draft", ladder_id=ladder_id))


@bp.get("/ladders/<int:ladder_id>/export.<fmt>")
@requires(Permission.VIEW_LADDER_DRAFTS)
def export(ladder_id: int, fmt: str):
    ladder = load_ladder(current_user, ladder_id)
    which = request.args.get("version", "draft")
    try:
        document, label = _document(ladder, which)
        mimetype, body = catalog.export(document, fmt)
    except DomainError:
        abort(404)
    name = f"{ladder.name}-{label}".lower().replace(" ", "-")
    name = "".join(ch for ch in name if ch.isalnum() or ch in "-_") or "ladder"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def _upload(form: ImportForm) -> tuple[bytes, str]:
    upload = form.file.data
    return upload.read(), upload.filename or "ladder.yaml"


@bp.route("/ladders/import", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
@accepts_upload(MAX_UPLOAD)
def import_new():
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            ladder = catalog.import_new(current_user, *_upload(form))
        except LadderDocumentError as error:
            db.session.rollback()
            problems = error.problems
            form.file.errors = [*form.file.errors, "The file was refused; nothing changed."]
        else:
            db.session.commit()
            flash(f"Ladder {ladder.name} imported as a draft.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder.id))
    return render_form("studio/import.html", form, ladder=None, problems=problems)


@bp.route("/ladders/<int:ladder_id>/import", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
@accepts_upload(MAX_UPLOAD)
def import_draft(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            catalog.import_into_draft(current_user, ladder, *_upload(form))
        except (LadderDocumentError, DomainError) as error:
            db.session.rollback()
            problems = getattr(error, "problems", None) or [str(error)]
            form.file.errors = [*form.file.errors, "The file was refused; nothing changed."]
            ladder = load_ladder(current_user, ladder_id)
        else:
            db.session.commit()
            flash("The file is now the draft of this ladder.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    return render_form("studio/import.html", form, ladder=ladder, problems=problems)


@bp.get("/ladders/<int:ladder_id>/audit")
@requires(Permission.VIEW_LADDER_DRAFTS)
def audit_trail(ladder_id: int):
    ladder = load_ladder(current_user, ladder_id)
    events = list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.company_id == current_user.company_id,
               AuditEvent.target_type == "Ladder", AuditEvent.target_id == ladder.id)
        .order_by(AuditEvent.id.desc()).limit(500)
    ))
    ids = {event.actor_id for event in events if event.actor_id}
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    return render_template("studio/audit.html", ladder=ladder, events=events, names=names)
