"""A person's level assignments: the history (read like the level history page) and new
decisions, through ``people.service.assign_level`` like the assignment form."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import Permission, can_manage, requires
from ..errors import DomainError
from ..extensions import db
from ..ladders.models import Level
from ..people.history import HistoryEntry, level_history
from ..people.models import Person
from ..people.service import assign_level
from ..tenancy import get_in_company_or_404
from . import bp
from .errors import ApiError
from .io import json_body, json_response, query_args
from .openapi import operation
from .pagination import paged_response, paginate_list
from .people import in_api_terms, person_in_scope
from .represent import LevelWording
from .schemas.common import PageQuery, Ref
from .schemas.people import AssignmentCreate, AssignmentOut, AssignmentPage


def assignment_out(entry: HistoryEntry, wording: LevelWording) -> AssignmentOut:
    assignment = entry.assignment
    _, level = wording.level(assignment.level)
    by = assignment.decided_by
    return AssignmentOut(
        id=assignment.id, person_id=assignment.person_id, level_id=assignment.level_id,
        level=level, effective_date=assignment.effective_date, reason=assignment.reason,
        decided_by=Ref(id=by.id, name=by.name) if by else None, kind=entry.kind,
        scheduled=entry.scheduled, created_at=assignment.created_at)


def history(person: Person) -> list[AssignmentOut]:
    """Newest first (by effective date, then by when it was decided)."""
    wording = LevelWording(current_user)
    entries = level_history(person)
    wording.prepare([entry.assignment.level for entry in entries])
    return [assignment_out(entry, wording) for entry in entries]


@bp.get("/people/<int:person_id>/assignments")
@requires(Permission.VIEW_SELF)
@operation("A person's level history, newest first, with the kind of each decision",
           tag="assignments", response=AssignmentPage, query=PageQuery, paginated=True)
def list_assignments(person_id: int):
    person = person_in_scope(person_id)
    items, window = paginate_list(history(person), query_args(PageQuery))
    return paged_response(AssignmentPage, items, window)


@bp.get("/people/<int:person_id>/assignments/<int:assignment_id>")
@requires(Permission.VIEW_SELF)
@operation("One level decision of a person's history", tag="assignments",
           response=AssignmentOut, etag=True)
def get_assignment(person_id: int, assignment_id: int):
    person = person_in_scope(person_id)
    found = next((item for item in history(person) if item.id == assignment_id), None)
    if found is None:
        raise ApiError(404, "This person's history has no such decision.")
    return json_response(found, etag=True)


@bp.post("/people/<int:person_id>/assignments")
@requires(Permission.ASSIGN_LEVEL)
@operation("Assign a level from an effective date, with the reason (managers in their "
           "reporting line, HR in their part of the company; never oneself)",
           tag="assignments", response=AssignmentOut, status=201, body=AssignmentCreate,
           etag=True, location=True, errors=(409,))
def create_assignment(person_id: int):
    person = get_in_company_or_404(Person, person_id, current_user)
    if not can_manage(current_user, person):
        raise ApiError(403, "You can assign levels only to people in your reporting line, "
                            "never to yourself.")
    data = json_body(AssignmentCreate)
    level = db.session.scalar(select(Level).where(
        Level.id == data.level_id, Level.company_id == current_user.company_id))
    try:
        if level is None:
            raise DomainError("Your company's ladders have no level with this id.", "level")
        assignment = assign_level(current_user, person, level, data.effective_date,
                                  data.reason)
    except DomainError as error:
        raise in_api_terms(error) from None
    db.session.commit()
    created = next(item for item in history(person) if item.id == assignment.id)
    location = url_for("api.get_assignment", person_id=person_id, assignment_id=created.id)
    return json_response(created, 201, etag=True, headers={"Location": location})
