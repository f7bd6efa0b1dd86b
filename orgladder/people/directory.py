"""The people table: everyone the actor may see, with manager and current level.

A page costs the same few queries whatever the size of the org: one count, one page of rows
joined to their manager, current level and track, and one for the filter choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from ..access import scope_clause
from ..extensions import db
from ..ladders.models import Level, Track
from .models import Person
from .service import current_assignments_subquery


@dataclass(frozen=True)
class PeopleFilter:
    q: str = ""
    level_id: int | None = None
    track_id: int | None = None
    manager_id: int | None = None
    active: bool | None = True  # None: active and deactivated people alike
    include_actor: bool = False  # the table lists the actor's people; the API, everyone seen

    @property
    def include_inactive(self) -> bool:
        return self.active is None


@dataclass(frozen=True)
class PersonRow:
    person: Person
    manager_name: str | None
    level: Level | None
    track: Track | None
    since: date | None
    years: float | None

    @property
    def band(self) -> str | None:
        return self.level.band_position(self.years) if self.level else None


@dataclass
class Page:
    rows: list[PersonRow]
    page: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, ceil(self.total / self.per_page))


def _base_query(actor: Person, filters: PeopleFilter, today: date) -> Select:
    current = current_assignments_subquery(actor.company_id, today)
    manager = aliased(Person, name="manager")
    query = (
        select(Person, manager.name, Level, Track, current.c.effective_date)
        .outerjoin(manager, Person.manager_id == manager.id)
        .outerjoin(current, current.c.person_id == Person.id)
        .outerjoin(Level, Level.id == current.c.level_id)
        .outerjoin(Track, Track.id == Level.track_id)
        .where(scope_clause(actor))
    )
    if not filters.include_actor:
        query = query.where(Person.id != actor.id)
    if filters.active is not None:
        query = query.where(Person.active.is_(filters.active))
    if filters.q:
        needle = f"%{filters.q.strip().lower()}%"
        query = query.where(or_(func.lower(Person.name).like(needle), Person.email.like(needle)))
    if filters.level_id is not None:
        query = query.where(Level.id == filters.level_id)
    if filters.track_id is not None:
        query = query.where(Track.id == filters.track_id)
    if filters.manager_id is not None:
        query = query.where(Person.manager_id == filters.manager_id)
    return query


def list_people(
    actor: Person, filters: PeopleFilter, page: int = 1, per_page: int = 50,
    today: date | None = None,
) -> Page:
    today = today or date.today()
    query = _base_query(actor, filters, today)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    rows = db.session.execute(
        query.order_by(Person.name, Person.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(
        rows=[
            PersonRow(person, manager_name, level, track, since, person.years_of_experience(today))
            for person, manager_name, level, track, since in rows
        ],
        page=page,
        per_page=per_page,
        total=total or 0,
    )


def managers_in_scope(actor: Person) -> list[Person]:
    """People in the actor's scope who have reports: the choices of the manager filter."""
    report = aliased(Person)
    has_reports = select(report.id).where(report.manager_id == Person.id).exists()
    return list(
        db.session.scalars(
            select(Person).where(scope_clause(actor), has_reports).order_by(Person.name)
        )
    )
