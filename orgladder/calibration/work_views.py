"""The calibration work: a manager's entries to prepare, an entry with its notes, the session
page and the export. Who sees what is decided in ``rules``; these views only ask."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..access import Permission, requires
from ..errors import DomainError
from ..extensions import db
from ..ladders.models import Level
from ..ladders.service import company_levels
from ..tenancy import get_in_company_or_404, parse_id
from ..web import attach_error
from . import entries as entry_service
from .export import export_csv
from .forms import NONE, EntryForm, NoteForm, revision_of
from .models import CalibrationCycle, CalibrationEntry, CalibrationSession
from .queries import (
    cycle_row,
    entries_to_prepare,
    ladder_levels,
    last_promotion,
)
from .rules import may_edit_entry, may_see_entry, may_see_session
from .session_view import SORTS, TableFilter, session_view

bp = Blueprint("calibrate", __name__)


@bp.get("/calibrations/<int:cycle_id>/prepare")
@requires(Permission.CALIBRATE)
def prepare(cycle_id: int):
    cycle = get_in_company_or_404(CalibrationCycle, cycle_id, current_user)
    if cycle_row(current_user, cycle) is None:
        abort(403)
    return render_template("calibration/prepare.html", cycle=cycle,
                           entries=entries_to_prepare(current_user, cycle))


def _entry(entry_id: int) -> CalibrationEntry:
    # Read at once what the permission checks and the page use: person, cycle and ladder,
    # session and participants.
    entry = get_in_company_or_404(
        CalibrationEntry, entry_id, current_user, joinedload(CalibrationEntry.person),
        joinedload(CalibrationEntry.cycle).joinedload(CalibrationCycle.ladder),
        joinedload(CalibrationEntry.session).selectinload(CalibrationSession.participants))
    if not may_see_entry(current_user, entry):
        abort(403)  # oneself included: nobody sees their own calibration
    return entry


def _entry_form(entry: CalibrationEntry, levels: list[Level]) -> EntryForm:
    cycle = entry.cycle
    form = EntryForm(data={
        "proposed_level": entry.proposed_level_id or NONE,
        "performance": entry.performance or NONE, "potential": entry.potential or NONE,
        "promotion_ready": entry.promotion_ready, "revision": entry.revision,
    } if request.method == "GET" else None)
    current = entry.current_level_id
    later = [lv for lv in levels if entry.current_level and lv.track_id ==
             entry.current_level.track_id and lv.position > entry.current_level.position]
    following = later[0].id if later else None

    def name(level: Level) -> str:
        mark = " (now)" if level.id == current else " (next)" if level.id == following else ""
        return f"{level.code} {level.title}{mark}"

    form.proposed_level.choices = [SelectChoice(NONE, "No level")] + [
        SelectChoice(lv.id, name(lv), optgroup=f"{lv.track.name} track") for lv in levels]
    form.performance.choices = [SelectChoice(NONE, "Not rated yet")] + [
        SelectChoice(value, f"{value} · {label}")
        for value, label in enumerate(cycle.rating_scale, 1)]
    form.potential.choices = [SelectChoice(NONE, "Not assessed yet")] + [
        SelectChoice(value, label) for value, label in enumerate(cycle.potential_scale, 1)]
    return form


def _entry_page(entry: CalibrationEntry, form: EntryForm | None, note_form: NoteForm,
                status: int | None = None):
    levels = company_levels(entry.company_id)
    editable = may_edit_entry(current_user, entry)
    if form is None and editable:
        form = _entry_form(entry, ladder_levels(entry.cycle, levels))
    notes = entry_service.read_notes(current_user, entry)
    promoted = last_promotion(current_user, levels, entry.person_id)
    page = render_template(
        "calibration/entry.html", entry=entry, cycle=entry.cycle, form=form if editable else None,
        note_form=note_form, notes=notes, editable=editable, last_promotion=promoted,
        describe=entry_service.describe)
    db.session.commit()  # the audit event of reading the notes
    errors = (form is not None and form.errors) or note_form.errors
    return page, status or (422 if errors else 200)


@bp.route("/calibrations/entries/<int:entry_id>", methods=["GET", "POST"])
@requires(Permission.CALIBRATE)
def entry(entry_id: int):
    entry = _entry(entry_id)
    if request.method == "GET":
        return _entry_page(entry, None, NoteForm())
    if not may_edit_entry(current_user, entry):
        abort(403)
    levels = company_levels(entry.company_id)
    form = _entry_form(entry, ladder_levels(entry.cycle, levels))
    status = None
    if form.validate_on_submit():
        # The form offers the ladder's live levels only, all of them among ``levels``.
        level = levels[form.proposed_level.data] if form.proposed_level.data else None
        name = entry.person.name  # read before the commit expires it
        try:
            entry_service.save_entry(
                current_user, entry, proposed_level=level,
                performance=form.performance.data or None, potential=form.potential.data or None,
                promotion_ready=form.promotion_ready.data,
                expected_revision=revision_of(form.revision))
        except entry_service.StaleEntry as error:
            db.session.rollback()
            form.revision.data, status = error.current_revision, 409
            form.form_errors.append(error.message)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"{name}'s entry is saved.", "success")
            return redirect(url_for("calibrate.entry", entry_id=entry_id))
        entry = _entry(entry_id)
    return _entry_page(entry, form, NoteForm(formdata=None), status)


@bp.post("/calibrations/entries/<int:entry_id>/notes")
@requires(Permission.CALIBRATE)
def add_note(entry_id: int):
    entry = _entry(entry_id)
    if not may_edit_entry(current_user, entry):
        abort(403)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            entry_service.add_note(current_user, entry, form.body.data)
        except DomainError as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, error.message]
        else:
            db.session.commit()
            flash("Your note is added.", "success")
            return redirect(url_for("calibrate.entry", entry_id=entry_id, _anchor="notes"))
        entry = _entry(entry_id)
    return _entry_page(entry, None, form)


def _filters() -> TableFilter:
    sort = request.args.get("sort", "name")
    return TableFilter(
        manager_id=parse_id(request.args.get("manager")),
        level_id=parse_id(request.args.get("level")),
        track_id=parse_id(request.args.get("track")),
        rating=parse_id(request.args.get("rating")),
        sort=sort if sort in SORTS else "name",
        descending=request.args.get("dir") == "desc",
    )


@bp.get("/calibrations/sessions/<int:session_id>")
@requires(Permission.CALIBRATE)
def session(session_id: int):
    # What the page shows of the session comes with it, in one statement (the participants
    # in a second), rather than a round trip each on first use.
    session = get_in_company_or_404(
        CalibrationSession, session_id, current_user, joinedload(CalibrationSession.cycle),
        joinedload(CalibrationSession.facilitator), joinedload(CalibrationSession.root))
    if not may_see_session(current_user, session):
        abort(403)
    view = session_view(current_user, session, _filters(),
                        page=parse_id(request.args.get("page")) or 1,
                        per_page=current_app.config["PEOPLE_PAGE_SIZE"])
    figures_html = view.figures.html(lambda: render_template(
        "calibration/_session_figures.html", session=session, cycle=view.cycle,
        fig=view.figures))
    return render_template("calibration/session.html", view=view, figures_html=figures_html)


@bp.get("/calibrations/<int:cycle_id>/export.csv")
@requires(Permission.CALIBRATE)
def export(cycle_id: int):
    cycle = get_in_company_or_404(CalibrationCycle, cycle_id, current_user)
    row = cycle_row(current_user, cycle)
    if row is None:
        abort(403)
    body = export_csv(current_user, cycle)
    db.session.commit()  # the audit event of the export
    filename = f"calibration-{cycle.id}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
