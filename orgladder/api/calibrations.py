"""Calibration cycles: the ones the caller takes part in, one cycle, HR setting one up and
moving it through its states, through ``calibration.service`` like the cycle pages. Who sees
and manages a cycle is decided by ``calibration.queries.cycle_row`` and ``calibration.rules``."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import Permission, requires
from ..calibration import service
from ..calibration.models import CalibrationCycle, CalibrationSession
from ..calibration.queries import CycleRow, cycle_progress, cycle_row, cycle_rows
from ..calibration.rules import may_manage
from ..calibration.states import REOPEN, TRANSITIONS, CycleState, next_steps
from ..errors import DomainError
from ..extensions import db
from ..ladders.models import Ladder
from ..tenancy import get_in_company_or_404
from . import bp
from .errors import ApiError
from .io import json_body, json_response, query_args
from .openapi import operation
from .pagination import paged_response, paginate_list
from .people import company_person, in_api_terms
from .schemas.calibrations import (
    CalibrationCreate,
    CalibrationOut,
    CalibrationPage,
    CalibrationSummary,
    Progress,
    SessionOut,
    SessionProgress,
    StepOut,
    TransitionIn,
)
from .schemas.common import PageQuery

# The services name fields as the cycle form does; the API's names for the same fields.
CYCLE_FIELDS = {"ladder": "ladder_id", "population": "population_root_id"}


def session_out(session: CalibrationSession) -> SessionOut:
    return SessionOut(id=session.id, name=session.name, root_id=session.root_id,
                      facilitator_id=session.facilitator_id,
                      participant_ids=[person.id for person in session.participants])


def summary_fields(row: CycleRow) -> dict:
    cycle = row.cycle
    return dict(
        id=cycle.id, name=cycle.name, state=cycle.state, ladder_id=cycle.ladder_id,
        population_root_id=cycle.population_root_id, period_start=cycle.period_start,
        period_end=cycle.period_end, due_date=cycle.due_date,
        rating_scale=list(cycle.rating_scale), potential_scale=list(cycle.potential_scale),
        target_distribution=cycle.target_distribution, created_at=cycle.created_at,
        finalized_at=cycle.finalized_at, manages=row.manages,
        sessions=[session_out(s) for s in (cycle.sessions if row.manages else row.sessions)],
        to_prepare=row.to_prepare,
        next_steps=[StepOut(to=to, verb=verb) for to, verb in next_steps(cycle.state)]
        if row.manages else [])


def cycle_body(row: CycleRow) -> CalibrationOut:
    progress = None
    if row.manages:
        counted = cycle_progress(current_user, row.cycle)
        progress = Progress(population=counted.population, prepared=counted.prepared,
                            withheld=counted.withheld,
                            sessions=[SessionProgress(
                                session_id=s.session.id if s.session else None,
                                people=s.people, prepared=s.prepared, withheld=s.withheld)
                                for s in counted.sessions])
    return CalibrationOut(**summary_fields(row), progress=progress)


def visible_cycle(calibration_id: int) -> CycleRow:
    """A cycle of the caller's company they take part in (403 otherwise; another company's
    is 404), as the cycle page decides."""
    cycle = get_in_company_or_404(CalibrationCycle, calibration_id, current_user)
    row = cycle_row(current_user, cycle)
    if row is None:
        raise ApiError(403, "You take no part in this calibration cycle.")
    return row


def managed_cycle(calibration_id: int) -> CalibrationCycle:
    cycle = get_in_company_or_404(CalibrationCycle, calibration_id, current_user)
    if not may_manage(current_user, cycle):
        raise ApiError(403, "Only HR responsible for the cycle's whole population manage it.")
    return cycle


def answer(cycle_id: int, status: int = 200, headers: dict | None = None):
    row = cycle_row(current_user, db.session.get(CalibrationCycle, cycle_id))
    return json_response(cycle_body(row), status, etag=True, headers=headers)


@bp.get("/calibrations")
@requires(Permission.CALIBRATE)
@operation("List the calibration cycles you manage, prepare entries in or take part in, "
           "latest period first", tag="calibrations", response=CalibrationPage,
           query=PageQuery, paginated=True)
def list_calibrations():
    paging = query_args(PageQuery)
    items = [CalibrationSummary(**summary_fields(row)) for row in cycle_rows(current_user)]
    page, window = paginate_list(items, paging)
    return paged_response(CalibrationPage, page, window)


@bp.post("/calibrations")
@requires(Permission.MANAGE_CALIBRATIONS)
@operation("Set up a calibration cycle (HR), in draft: sessions are formed on its page "
           "before preparation opens", tag="calibrations", response=CalibrationOut,
           status=201, body=CalibrationCreate, etag=True, location=True)
def create_calibration():
    data = json_body(CalibrationCreate)
    try:
        ladder = db.session.scalar(select(Ladder).where(
            Ladder.id == data.ladder_id, Ladder.company_id == current_user.company_id))
        if ladder is None:
            raise DomainError("Your company has no ladder with this id.", "ladder_id")
        cycle = service.create_cycle(
            current_user, name=data.name, ladder=ladder,
            population_root=company_person(data.population_root_id, "population_root_id"),
            period_start=data.period_start, period_end=data.period_end,
            due_date=data.due_date, rating_scale=data.rating_scale,
            potential_scale=data.potential_scale,
            target_distribution=data.target_distribution)
    except DomainError as error:
        raise in_api_terms(error, CYCLE_FIELDS) from None
    db.session.commit()
    location = url_for("api.get_calibration", calibration_id=cycle.id)
    return answer(cycle.id, 201, {"Location": location})


@bp.get("/calibrations/<int:calibration_id>")
@requires(Permission.CALIBRATE)
@operation("Read a calibration cycle you take part in: its settings, your sessions, what "
           "you may do next", tag="calibrations", response=CalibrationOut, etag=True)
def get_calibration(calibration_id: int):
    return json_response(cycle_body(visible_cycle(calibration_id)), etag=True)


def _fits_the_move(cycle: CalibrationCycle, data: TransitionIn) -> None:
    """A reason or a date the move would not use is refused rather than silently dropped."""
    move = (CycleState(cycle.state), data.to)
    if move not in TRANSITIONS:
        return  # the state machine words the refusal
    if data.reason is not None and move != REOPEN:
        raise DomainError("Only reopening a finalized cycle takes a reason.", "reason")
    if data.effective_date is not None and data.to != CycleState.FINALIZED:
        raise DomainError("Only finalizing takes an effective date.", "effective_date")


@bp.post("/calibrations/<int:calibration_id>/transition")
@requires(Permission.MANAGE_CALIBRATIONS)
@operation("Move a cycle to its next state (HR): open preparation, start the session, "
           "finalize (applies the level changes), or reopen with a reason", tag="calibrations",
           response=CalibrationOut, body=TransitionIn, etag=True, errors=(409,),
           description="A move the cycle's state does not allow is a 409 saying what is "
                       "possible from there. Finalizing assigns every calibrated level "
                       "change from `effective_date`, all or none.")
def transition_calibration(calibration_id: int):
    cycle = managed_cycle(calibration_id)
    data = json_body(TransitionIn)
    _fits_the_move(cycle, data)
    service.transition(current_user, cycle, data.to, reason=data.reason,
                       effective_date=data.effective_date)
    db.session.commit()
    return answer(calibration_id)
