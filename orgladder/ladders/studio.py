"""The ladder studio (HR): editing a ladder's draft. Thin views over ``editing``."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ..access import Permission, requires
from ..errors import DomainError
from ..extensions import db
from ..tenancy import parse_id
from ..web import attach_error, render_form
from . import catalog, editing
from .forms import (
    CompetencyForm,
    DeleteLevelForm,
    LadderForm,
    LevelForm,
    MoveForm,
    NewLadderForm,
    NewTrackForm,
    PublishForm,
    TrackForm,
)
from .service import list_ladders
from .sync import people_on
from .versions import draft_document, draft_view, latest_version

bp = Blueprint("studio", __name__)


def _find(items, item_id):
    wanted = parse_id(item_id)
    found = next((item for item in items if item.id == wanted), None)
    if found is None:
        abort(404)
    return found


def draft_page(ladder_id: int, form: LadderForm | None = None,
               publish_form: PublishForm | None = None, status: int | None = None):
    view = draft_view(current_user, ladder_id)
    ladder = view.ladder
    if form is None:
        form = LadderForm(obj=ladder)
    latest = latest_version(ladder.id)
    unpublished = latest is None or latest.document != draft_document(ladder)
    levels = [lv for t in view.tracks for lv in t.levels]
    context = dict(view=view, form=form, publish_form=publish_form or PublishForm(),
                   latest=latest, unpublished=unpublished,
                   warnings=editing.band_warnings(view.tracks),
                   holders=people_on([lv.id for lv in levels], ladder.company_id))
    errors = form.errors or (publish_form is not None and publish_form.errors)
    return render_template("studio/draft.html", **context), status or (422 if errors else 200)


@bp.route("/ladders/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def new_ladder():
    form = NewLadderForm()
    ladders = list_ladders(current_user)
    form.copy_from.choices = [SelectChoice(0, "—")] + [SelectChoice(lad.id, lad.name)
                                                      for lad in ladders]
    if form.validate_on_submit():
        source = next((lad for lad in ladders if lad.id == form.copy_from.data), None)
        try:
            ladder = catalog.create_ladder(current_user, form.name.data, form.source.data, source)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Ladder {ladder.name} created as a draft.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder.id))
    return render_form("studio/new_ladder.html", form)


@bp.get("/ladders/<int:ladder_id>/draft")
@requires(Permission.VIEW_LADDER_DRAFTS)
def draft(ladder_id: int):
    return draft_page(ladder_id)


# A view of its own, not a POST branch of ``draft``: reading a draft and changing it need
# different permissions, and each endpoint declares exactly one set.
@bp.post("/ladders/<int:ladder_id>/draft")
@requires(Permission.MANAGE_LADDERS)
def save_ladder(ladder_id: int):
    view = draft_view(current_user, ladder_id)
    form = LadderForm()
    if form.validate_on_submit():
        try:
            editing.update_ladder(current_user, view.ladder, form.name.data,
                                  form.description.data or "", form.revision.data)
        except editing.StaleEdit as error:
            form.revision.data = error.current_revision
            attach_error(form, error)
            return draft_page(ladder_id, form, status=409)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Ladder saved.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    return draft_page(ladder_id, form)


def _level_choices(view, exclude=None):
    return [SelectChoice(lv.id, f"{lv.code} {lv.title} ({t.name})")
            for t in view.tracks for lv in t.levels if lv is not exclude]


@bp.route("/ladders/<int:ladder_id>/tracks/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def new_track(ladder_id: int):
    view = draft_view(current_user, ladder_id)
    form = NewTrackForm()
    beside = _level_choices(view)
    form.start_level.choices = beside or [SelectChoice(0, "— (grade 1)")]
    form.start_level.validators = [] if not beside else form.start_level.validators
    if form.validate_on_submit():
        levels = {lv.id: lv for t in view.tracks for lv in t.levels}
        try:
            catalog.add_track(current_user, view.ladder, form.name.data, form.kind.data,
                              levels.get(form.start_level.data), form.code.data, form.title.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Track {form.name.data} added.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    return render_form("studio/new_track.html", form, view=view)


@bp.route("/ladders/<int:ladder_id>/tracks/<int:track_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def edit_track(ladder_id: int, track_id: int):
    view = draft_view(current_user, ladder_id)
    track = _find(view.tracks, track_id)
    form = TrackForm(obj=track)
    status = None
    if form.validate_on_submit():
        try:
            editing.update_track(current_user, track, form.name.data, form.kind.data,
                                 form.revision.data)
        except editing.StaleEdit as error:
            form.revision.data, status = error.current_revision, 409
            attach_error(form, error)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Track saved.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    page, code = render_form("studio/track.html", form, view=view, track=track)
    return page, status or code


@bp.route("/ladders/<int:ladder_id>/tracks/<int:track_id>/levels/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def new_level(ladder_id: int, track_id: int):
    view = draft_view(current_user, ladder_id)
    track = _find(view.tracks, track_id)
    form = LevelForm()
    form.after.choices = [SelectChoice(0, "— at the bottom")] + [
        SelectChoice(lv.id, f"{lv.code} {lv.title}") for lv in track.levels]
    if request.method == "GET" and track.levels:
        form.after.data = track.levels[-1].id
    if form.validate_on_submit():
        after = next((lv for lv in track.levels if lv.id == form.after.data), None)
        try:
            level = editing.add_level(current_user, track, form.values(), after)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Level {level.code} added.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    return render_form("studio/level.html", form, view=view, track=track, level=None)


@bp.route("/ladders/<int:ladder_id>/levels/<int:level_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def edit_level(ladder_id: int, level_id: int):
    view = draft_view(current_user, ladder_id)
    level = _find([lv for t in view.tracks for lv in t.levels], level_id)
    form = LevelForm()
    del form.after
    if request.method == "GET":
        form.load(level)
    status = None
    if form.validate_on_submit():
        try:
            editing.update_level(current_user, level, form.values(), form.revision.data)
        except editing.StaleEdit as error:
            form.revision.data, status = error.current_revision, 409
            attach_error(form, error)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Level {level.code} saved.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    page, code = render_form("studio/level.html", form, view=view, track=level.track, level=level)
    return page, status or code


@bp.post("/ladders/<int:ladder_id>/levels/<int:level_id>/move")
@requires(Permission.MANAGE_LADDERS)
def move_level(ladder_id: int, level_id: int):
    view = draft_view(current_user, ladder_id)
    level = _find([lv for t in view.tracks for lv in t.levels], level_id)
    return _move(ladder_id, "level", lambda direction: editing.move_level(
        current_user, level, direction))


def _move(ladder_id: int, noun: str, move) -> Response:
    """Run a reorder from the draft page's up/down buttons and go back to the draft."""
    form = MoveForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(f"Say which way to move the {noun}.")
        move(form.direction.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("studio.draft", ladder_id=ladder_id))


@bp.route("/ladders/<int:ladder_id>/levels/<int:level_id>/delete", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def delete_level(ladder_id: int, level_id: int):
    view = draft_view(current_user, ladder_id)
    level = _find([lv for t in view.tracks for lv in t.levels], level_id)
    holders = people_on([level.id], level.company_id).get(level.id, 0)
    form = DeleteLevelForm()
    form.move_to.choices = [SelectChoice(0, "—")] + _level_choices(view, exclude=level)
    if form.validate_on_submit():
        others = {lv.id: lv for t in view.tracks for lv in t.levels}
        try:
            moved = editing.delete_level(current_user, level, others.get(form.move_to.data),
                                         date.today())
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Level {level.code} deleted" + (f"; {moved} people moved." if moved else "."),
                  "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    return render_form("studio/delete_level.html", form, view=view, level=level, holders=holders)


@bp.route("/ladders/<int:ladder_id>/competencies/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def new_competency(ladder_id: int):
    view = draft_view(current_user, ladder_id)
    form = CompetencyForm()
    if form.validate_on_submit():
        try:
            competency = editing.add_competency(current_user, view.ladder, form.name.data,
                                                form.description.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Competency {competency.name} added; write what each level asks.", "success")
            return redirect(url_for("studio.edit_competency", ladder_id=ladder_id,
                                    competency_id=competency.id))
    return render_form("studio/new_competency.html", form, view=view)


@bp.route("/ladders/<int:ladder_id>/competencies/<int:competency_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_LADDERS)
def edit_competency(ladder_id: int, competency_id: int):
    view = draft_view(current_user, ladder_id)
    competency = _find(view.competencies, competency_id)
    form = CompetencyForm(obj=competency)
    levels = [lv for t in view.tracks for lv in t.levels]
    cells = {lv.id: view.expectations[lv.id].get(competency.id, "") for lv in levels}
    status = None
    if request.method == "POST":
        cells = {lv.id: request.form.get(f"cell-{lv.id}", "")[:5000] for lv in levels}
    if form.validate_on_submit():
        try:
            editing.update_competency(current_user, competency, form.name.data,
                                      form.description.data or "", cells, form.revision.data)
        except editing.StaleEdit as error:
            form.revision.data, status = error.current_revision, 409
            attach_error(form, error)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Competency {competency.name} saved.", "success")
            return redirect(url_for("studio.draft", ladder_id=ladder_id))
    page, code = render_form("studio/competency.html", form, view=view, competency=competency,
                             cells=cells)
    return page, status or code


@bp.post("/ladders/<int:ladder_id>/competencies/<int:competency_id>/move")
@requires(Permission.MANAGE_LADDERS)
def move_competency(ladder_id: int, competency_id: int):
    view = draft_view(current_user, ladder_id)
    competency = _find(view.competencies, competency_id)
    return _move(ladder_id, "competency", lambda direction: editing.move_competency(
        current_user, competency, direction))


@bp.post("/ladders/<int:ladder_id>/competencies/<int:competency_id>/retire")
@requires(Permission.MANAGE_LADDERS)
def retire_competency(ladder_id: int, competency_id: int):
    view = draft_view(current_user, ladder_id)
    competency = _find(view.competencies, competency_id)
    if FlaskForm().validate_on_submit():  # nothing but the CSRF token to check
        editing.set_retired(current_user, competency, not competency.retired)
        db.session.commit()
        flash(f"Competency {competency.name} " +
              ("retired." if competency.retired else "back in use."), "success")
    return redirect(url_for("studio.draft", ladder_id=ladder_id))
