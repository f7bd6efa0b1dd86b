"""Calibration cycles: the list, HR's setup (settings, sessions) and the moves through the
states. Thin views over ``service``; the entry and session pages are in ``work_views``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..access import Permission, company_wide, requires
from ..errors import DomainError
from ..extensions import db
from ..ladders.models import Ladder
from ..ladders.service import list_ladders
from ..people.directory import managers_in_scope
from ..people.models import Person
from ..tenancy import get_in_company_or_404
from ..web import attach_error, render_form
from . import scales, service
from .finalizing import finalize_preview
from .forms import (
    NONE,
    AdvanceForm,
    CycleForm,
    EditSessionForm,
    FinalizeForm,
    ReopenForm,
    SessionForm,
    revision_of,
)
from .models import CalibrationCycle, CalibrationSession
from .queries import calibrators, cycle_progress, cycle_row, cycle_rows
from .rules import may_manage
from .states import REGROUPABLE, SETTINGS_EDITABLE, CycleState, next_steps

bp = Blueprint("calibration", __name__)

MOVED = {
    CycleState.PREPARATION: "{name} is open for preparation: managers can fill in the entries "
                            "of their reports.",
    CycleState.IN_SESSION: "{name} is in session: what the managers prepared is kept beside "
                           "what the sessions decide.",
    CycleState.FINALIZED: "{name} is finalized; its level changes are applied.",
}


def _managed_cycle(cycle_id: int) -> CalibrationCycle:
    cycle = get_in_company_or_404(CalibrationCycle, cycle_id, current_user)
    if not may_manage(current_user, cycle):
        abort(403)
    return cycle


def _back(cycle: CalibrationCycle, message: str, category: str = "error"):
    flash(message, category)
    return redirect(url_for("calibration.cycle", cycle_id=cycle.id))


@bp.get("/calibrations")
@requires(Permission.CALIBRATE)
def index():
    return render_template("calibration/index.html", rows=cycle_rows(current_user))


def _cycle_choices(form: CycleForm) -> None:
    form.ladder.choices = [SelectChoice(ladder.id, ladder.name)
                           for ladder in list_ladders(current_user)]
    everyone = [SelectChoice(NONE, "The whole company")] if company_wide(current_user) else []
    form.population.choices = everyone + [
        SelectChoice(p.id, f"Below {p.name}") for p in managers_in_scope(current_user)]


def _settings(form: CycleForm) -> dict:
    ladder = get_in_company_or_404(Ladder, form.ladder.data, current_user)
    root = (get_in_company_or_404(Person, form.population.data, current_user)
            if form.population.data else None)
    return dict(name=form.name.data, ladder=ladder, population_root=root,
                period_start=form.period_start.data, period_end=form.period_end.data,
                due_date=form.due_date.data, rating_scale=scales.lines(form.rating_scale.data),
                potential_scale=scales.lines(form.potential_scale.data),
                target_distribution=scales.parse_target(form.target_distribution.data))


@bp.route("/calibrations/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CALIBRATIONS)
def new_cycle():
    form = CycleForm()
    _cycle_choices(form)
    if form.validate_on_submit():
        try:
            cycle = service.create_cycle(current_user, **_settings(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"{cycle.name} is set up as a draft. Group its people into sessions next.",
                  "success")
            return redirect(url_for("calibration.cycle", cycle_id=cycle.id))
    return render_form("calibration/cycle_form.html", form, cycle=None)


@bp.route("/calibrations/<int:cycle_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_CALIBRATIONS)
def edit_cycle(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    if cycle.state not in SETTINGS_EDITABLE:
        return _back(cycle, "A cycle in session or finalized can no longer be edited.")
    form = CycleForm(data={
        "name": cycle.name, "period_start": cycle.period_start, "period_end": cycle.period_end,
        "due_date": cycle.due_date, "ladder": cycle.ladder_id,
        "population": cycle.population_root_id or NONE,
        "rating_scale": "\n".join(cycle.rating_scale),
        "potential_scale": "\n".join(cycle.potential_scale),
        "target_distribution": scales.format_target(cycle.target_distribution),
        "revision": cycle.revision})
    _cycle_choices(form)
    status = None
    if form.validate_on_submit():
        try:
            service.update_cycle(current_user, cycle, expected_revision=revision_of(
                form.revision), **_settings(form))
        except service.StaleCycle as error:
            db.session.rollback()
            form.revision.data, status = error.current_revision, 409
            attach_error(form, error)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("The cycle's settings are saved.", "success")
            return redirect(url_for("calibration.cycle", cycle_id=cycle_id))
    page, code = render_form("calibration/cycle_form.html", form, cycle=cycle)
    return page, status or code


@bp.get("/calibrations/<int:cycle_id>")
@requires(Permission.CALIBRATE)
def cycle(cycle_id: int):
    cycle = get_in_company_or_404(CalibrationCycle, cycle_id, current_user)
    row = cycle_row(current_user, cycle)
    if row is None:
        abort(403)
    return render_template(
        "calibration/cycle.html", cycle=cycle, row=row,
        progress=cycle_progress(current_user, cycle) if row.manages else None,
        steps=next_steps(cycle.state) if row.manages else [],
        form=AdvanceForm(), regroupable=cycle.state in REGROUPABLE,
        editable=cycle.state in SETTINGS_EDITABLE, State=CycleState)


@bp.post("/calibrations/<int:cycle_id>/advance")
@requires(Permission.MANAGE_CALIBRATIONS)
def advance(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    form = AdvanceForm()
    if not form.validate_on_submit():
        return _back(cycle, "Choose where the cycle goes next.")
    try:
        service.transition(current_user, cycle, form.target.data)
    except DomainError as error:
        db.session.rollback()
        return _back(cycle, error.message)
    db.session.commit()
    return _back(cycle, MOVED[cycle.state].format(name=cycle.name), "success")


@bp.route("/calibrations/<int:cycle_id>/finalize", methods=["GET", "POST"])
@requires(Permission.MANAGE_CALIBRATIONS)
def finalize(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    if cycle.state != CycleState.IN_SESSION:
        return _back(cycle, "Only a cycle in session can be finalized.")
    form = FinalizeForm()
    if form.validate_on_submit():
        try:
            service.transition(current_user, cycle, CycleState.FINALIZED,
                               effective_date=form.effective_date.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            cycle = _managed_cycle(cycle_id)
        else:
            db.session.commit()
            return _back(cycle, f"{cycle.name} is finalized; its level changes are applied.",
                         "success")
    when = form.effective_date.data if form.effective_date.data else None
    return render_form("calibration/finalize.html", form, cycle=cycle,
                       preview=finalize_preview(current_user, cycle, when),
                       progress=cycle_progress(current_user, cycle))


@bp.route("/calibrations/<int:cycle_id>/reopen", methods=["GET", "POST"])
@requires(Permission.MANAGE_CALIBRATIONS)
def reopen(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    if cycle.state != CycleState.FINALIZED:
        return _back(cycle, "Only a finalized cycle can be reopened.")
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            service.transition(current_user, cycle, CycleState.IN_SESSION,
                               reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            return _back(cycle, f"{cycle.name} is reopened and in session again.", "success")
    return render_form("calibration/reopen.html", form, cycle=cycle)


# --- sessions -------------------------------------------------------------------------------

def _session_choices(form: SessionForm, cycle: CalibrationCycle) -> None:
    people = calibrators(cycle.company_id)
    form.facilitator.choices = [SelectChoice(p.id, p.name) for p in people]
    form.participants.choices = [SelectChoice(p.id, p.name) for p in people]
    if form.root is not None:
        root = cycle.population_root
        managers = [m for m in managers_in_scope(current_user)
                    if root is None or (m.path.startswith(root.path) and m.id != root.id)]
        form.root.choices = [SelectChoice(NONE, "Everyone not in another session")] + [
            SelectChoice(m.id, f"Below {m.name}") for m in managers]


def _people(ids) -> list[Person]:
    ids = [i for i in ids or [] if i]
    if not ids:
        return []
    return list(db.session.scalars(select(Person).where(
        Person.id.in_(ids), Person.company_id == current_user.company_id)))


@bp.route("/calibrations/<int:cycle_id>/sessions/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CALIBRATIONS)
def new_session(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    if cycle.state not in REGROUPABLE:
        return _back(cycle, "Sessions are formed before the session starts.")
    form = SessionForm()
    _session_choices(form, cycle)
    if request.method == "GET":
        form.facilitator.data = current_user.id
    if form.validate_on_submit():
        root = (get_in_company_or_404(Person, form.root.data, current_user)
                if form.root.data else None)
        try:
            session = service.add_session(
                current_user, cycle, name=form.name.data, root=root,
                facilitator=get_in_company_or_404(Person, form.facilitator.data, current_user),
                participants=_people(form.participants.data))
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            return _back(cycle, f"Session {session.name} added.", "success")
    return render_form("calibration/session_form.html", form, cycle=cycle, session=None)


def _managed_session(session_id: int) -> CalibrationSession:
    session = get_in_company_or_404(CalibrationSession, session_id, current_user)
    if not may_manage(current_user, session.cycle):
        abort(403)
    return session


@bp.route("/calibrations/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_CALIBRATIONS)
def edit_session(session_id: int):
    session = _managed_session(session_id)
    cycle = session.cycle
    if cycle.state == CycleState.FINALIZED:
        return _back(cycle, "The cycle is finalized; reopen it to change its sessions.")
    form = EditSessionForm(data={"name": session.name, "facilitator": session.facilitator_id,
                                 "participants": [p.id for p in session.participants],
                                 "revision": session.revision})
    _session_choices(form, cycle)
    status = None
    if form.validate_on_submit():
        try:
            service.update_session(
                current_user, session, name=form.name.data,
                facilitator=get_in_company_or_404(Person, form.facilitator.data, current_user),
                participants=_people(form.participants.data),
                expected_revision=revision_of(form.revision))
        except service.StaleSession as error:
            # The user's choices stay in the form; saving again applies them on purpose.
            form.revision.data, status = error.current_revision, 409
            attach_error(form, error)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            return _back(cycle, f"Session {session.name} saved.", "success")
    page, code = render_form("calibration/session_form.html", form, cycle=cycle, session=session)
    return page, status or code


@bp.post("/calibrations/sessions/<int:session_id>/delete")
@requires(Permission.MANAGE_CALIBRATIONS)
def delete_session(session_id: int):
    session = _managed_session(session_id)
    cycle, name = session.cycle, session.name
    try:
        service.delete_session(current_user, session)
    except DomainError as error:
        db.session.rollback()
        return _back(cycle, error.message)
    db.session.commit()
    return _back(cycle, f"Session {name} removed; its people are grouped again.", "success")
