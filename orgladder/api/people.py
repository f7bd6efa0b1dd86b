"""People: the list (filtered, paginated), one person, their expectations; HR adds and edits
people through the same service as the person form (``people.hr``)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import Permission, in_scope, requires
from ..errors import DomainError
from ..extensions import db
from ..people import hr
from ..people.directory import PeopleFilter, list_people
from ..people.grants import set_scoped_grants
from ..people.models import Person
from ..people.profile import level_profile
from ..people.service import current_assignment
from ..tenancy import get_in_company_or_404
from . import bp
from .errors import ApiError
from .io import json_body, json_response, query_args, require_if_match
from .openapi import operation
from .pagination import Window, paged_response
from .represent import LevelWording, level_out, person_out
from .schemas.ladders import CompetencyOut
from .schemas.people import (
    ExpectationsOut,
    GapOut,
    NextStepOut,
    PeopleQuery,
    PersonCreate,
    PersonOut,
    PersonPage,
    PersonPatch,
    ScopedGrant,
)

# The services name fields as the pages' forms do; the API's names for the same fields.
API_FIELDS = {"manager_email": "manager_id", "level": "level_id"}


def in_api_terms(error: DomainError, fields: dict[str, str] = API_FIELDS) -> DomainError:
    if error.field in fields:
        return type(error)(error.message, fields[error.field])
    return error


def person_in_scope(person_id: int) -> Person:
    """A person the caller may see: another company's is 404, one out of scope 403."""
    person = get_in_company_or_404(Person, person_id, current_user)
    if not in_scope(current_user, person):
        raise ApiError(403, "This person is outside your part of the company.")
    return person


def company_person(person_id: int | None, field: str, keep: Person | None = None
                   ) -> Person | None:
    """A person named in a body: someone the caller may see, or a field error (as if nobody
    had the id, so nothing is revealed about the rest of the company). ``keep`` (the current
    manager) is accepted even out of scope: leaving it as it was is no move."""
    if person_id is None:
        return None
    person = db.session.scalar(select(Person).where(
        Person.id == person_id, Person.company_id == current_user.company_id))
    if person is None or (person is not keep and not in_scope(current_user, person)):
        raise DomainError(hr.unknown_to(current_user, "id"), field)
    return person


def scoped_grants(wanted: list[ScopedGrant]) -> list[tuple[str, Person]]:
    return [(g.role, company_person(g.scope_manager_id, f"grants.{n}.scope_manager_id"))
            for n, g in enumerate(wanted)]


def person_body(person: Person) -> PersonOut:
    assignment = current_assignment(person)
    return person_out(person, assignment.level if assignment else None,
                      assignment.effective_date if assignment else None,
                      LevelWording(current_user))


@bp.get("/people")
@requires(Permission.VIEW_PEOPLE)
@operation("List the people you may see (yourself included), by name", tag="people",
           response=PersonPage, query=PeopleQuery, paginated=True)
def list_all_people():
    args = query_args(PeopleQuery)
    filters = PeopleFilter(level_id=args.level_id, track_id=args.track_id,
                           manager_id=args.manager_id, active=args.active, include_actor=True)
    page = list_people(current_user, filters, page=args.page, per_page=args.per_page,
                       with_roles=True)
    wording = LevelWording(current_user)
    wording.prepare([row.level for row in page.rows if row.level is not None])
    items = [person_out(row.person, row.level, row.since, wording) for row in page.rows]
    return paged_response(PersonPage, items, Window(page.page, page.per_page, page.total))


@bp.post("/people")
@requires(Permission.MANAGE_PEOPLE)
@operation("Add a person to your company (HR)", tag="people", response=PersonOut, status=201,
           body=PersonCreate, etag=True, location=True, errors=(409,))
def create_person():
    data = json_body(PersonCreate)
    try:
        person = hr.add_person(
            current_user, name=data.name, email=data.email,
            manager=company_person(data.manager_id, "manager_id"),
            profession_start=data.profession_start, roles=list(data.roles),
            password=data.password)
        set_scoped_grants(current_user, person, scoped_grants(data.grants))
    except DomainError as error:
        raise in_api_terms(error) from None
    db.session.commit()
    return json_response(person_body(person), 201, etag=True,
                         headers={"Location": url_for("api.get_person", person_id=person.id)})


@bp.get("/people/<int:person_id>")
@requires(Permission.VIEW_SELF)
@operation("Read a person: yourself, or someone in your part of the company", tag="people",
           response=PersonOut, etag=True)
def get_person(person_id: int):
    return json_response(person_body(person_in_scope(person_id)), etag=True)


@bp.patch("/people/<int:person_id>")
@requires(Permission.MANAGE_PEOPLE)
@operation("Change a person's record (HR): name, email, manager, start, roles, active",
           tag="people", response=PersonOut, body=PersonPatch, etag=True, if_match=True,
           errors=(409,))
def patch_person(person_id: int):
    person = person_in_scope(person_id)
    data = json_body(PersonPatch)
    require_if_match(person_body(person))
    given = data.model_fields_set
    seen = hr.snapshot(person)  # the person form's stale-edit check, on what If-Match named
    try:
        manager = (company_person(data.manager_id, "manager_id", keep=person.manager)
                   if "manager_id" in given else person.manager)
        hr.update_person(
            current_user, person,
            name=data.name if "name" in given else person.name,
            email=data.email if "email" in given else person.email,
            manager=manager,
            profession_start=(data.profession_start if "profession_start" in given
                              else person.profession_start),
            roles=list(data.roles) if "roles" in given else hr.company_roles(person),
            seen=seen)
        if "grants" in given:
            set_scoped_grants(current_user, person, scoped_grants(data.grants))
        if "active" in given:
            hr.set_active(current_user, person, data.active)
    except DomainError as error:
        raise in_api_terms(error) from None
    db.session.commit()
    return json_response(person_body(db.session.get(Person, person_id)), etag=True)


@bp.get("/people/<int:person_id>/expectations")
@requires(Permission.VIEW_SELF)
@operation("What a person's level asks in each competency, and what the next steps ask",
           tag="people", response=ExpectationsOut, etag=True)
def person_expectations(person_id: int):
    person = person_in_scope(person_id)
    profile = level_profile(current_user, person)
    keys = {c.id: c.key for c in profile.competencies}
    for step in profile.next_steps:
        keys.update({row.competency.id: row.competency.key for row in step.gap})
    level = profile.level
    body = ExpectationsOut(
        person_id=person.id,
        level=level_out(level, profile.expectations, keys) if level else None,
        years_of_experience=profile.years, band=profile.band,
        competencies=[CompetencyOut(id=c.id, key=c.key, name=c.name,
                                    description=c.description or "", position=position,
                                    retired=bool(c.retired))
                      for position, c in enumerate(profile.competencies)],
        expectations={keys[cid]: text for cid, text in profile.expectations.items()
                      if text and cid in keys},
        next_steps=[
            NextStepOut(relation=step.relation, track_id=step.track.id,
                        level=level_out(step.level, {row.competency.id: row.target
                                                     for row in step.gap}, keys),
                        gap=[GapOut(competency=row.competency.key, current=row.current,
                                    target=row.target, changed=row.changed)
                             for row in step.gap])
            for step in profile.next_steps
        ],
    )
    return json_response(body, etag=True)
