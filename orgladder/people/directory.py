"""The people table: everyone the actor may see, with manager and current level.

A page costs the same few queries whatever the size of the org: one page of rows joined to
their manager, current level and track, with the count of all matching rows beside them, and
one for the manager filter's choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import defer, selectinload

from ..access import scope_clause
from ..computed import computed
from ..extensions import alias, db
from ..ladders.models import Level, Track
from ..ladders.visibility import published_levels, shown_level
from ..paging import Page
from .models import Person
from .service import current_assignments_subquery

MANAGER_CHOICES = 300


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
class ManagerChoice:
    id: int
    name: str


@dataclass(frozen=True)
class ManagerChoices:
    choices: list[ManagerChoice]
    complete: bool  # False when there are too many to list: filter from the table instead

    @property
    def size(self) -> int:  # what it weighs when kept (orgladder.computed)
        return len(self.choices)


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


def _people_query(actor: Person, filters: PeopleFilter, today: date) -> Select:
    """The ids of the people the actor may see that match the filters.

    Only a level or track filter needs the current assignments, and then only as a semi-join,
    so the count and the page do not look up the level of every person in a large scope."""
    query = select(Person.id).where(scope_clause(actor))
    if not filters.include_actor:
        query = query.where(Person.id != actor.id)
    if filters.active is not None:
        query = query.where(Person.active.is_(filters.active))
    if filters.q:
        needle = f"%{filters.q.strip().lower()}%"
        query = query.where(or_(func.lower(Person.name).like(needle), Person.email.like(needle)))
    if filters.manager_id is not None:
        query = query.where(Person.manager_id == filters.manager_id)
    if filters.level_id is not None or filters.track_id is not None:
        current = current_assignments_subquery(actor.company_id, today)
        holding = select(current.c.person_id).join(Level, Level.id == current.c.level_id)
        if filters.level_id is not None:
            holding = holding.where(Level.id == filters.level_id)
        if filters.track_id is not None:
            holding = holding.where(Level.track_id == filters.track_id)
        query = query.where(Person.id.in_(holding))
    return query


def list_people(
    actor: Person, filters: PeopleFilter, page: int = 1, per_page: int = 50,
    today: date | None = None, with_roles: bool = False,
) -> Page[PersonRow]:
    """One page of the people in the actor's scope, by name. ``with_roles`` loads each row's
    role grants too (the API shows them; the HTML table does not)."""
    today = today or date.today()
    matching = _people_query(actor, filters, today)
    count = select(func.count()).select_from(matching.subquery())
    page = max(1, page)
    # The page is chosen first, by name, and only its people get their level looked up.
    page_ids = (matching.order_by(Person.name, Person.id)
                .limit(per_page).offset((page - 1) * per_page).subquery())
    current = current_assignments_subquery(actor.company_id, today)
    manager = alias(Person, "manager")
    rows = db.session.execute(
        # The count rides along with the page (evaluated once, as it depends on no row): a
        # statement less on every page. Only a page with no rows asks for it on its own.
        select(Person, manager.name, Level, Track, current.c.effective_date,
               count.scalar_subquery())
        .join(page_ids, page_ids.c.id == Person.id)
        .outerjoin(manager, Person.manager_id == manager.id)
        .outerjoin(current, current.c.person_id == Person.id)
        .outerjoin(Level, Level.id == current.c.level_id)
        .outerjoin(Track, Track.id == Level.track_id)
        .order_by(Person.name, Person.id)
        # A level's texts are long and its lists JSON: the table shows neither.
        .options(*(defer(text, raiseload=True)
                   for text in (Level.summary, Level.responsibilities, Level.skills)),
                 *([selectinload(Person.grants)] if with_roles else []))
    ).all()
    total = rows[0][-1] if rows else db.session.scalar(count)
    published = published_levels(actor.company_id)
    shown = [(row, shown_level(row[2], published)) for row in rows]  # the published wording
    return Page(
        rows=[
            PersonRow(person, manager_name, level, level.track if level else None, since,
                      person.years_of_experience(today))
            for (person, manager_name, _, _, since, _), level in shown
        ],
        page=page,
        per_page=per_page,
        total=total or 0,
    )


def _has_reports():
    # Reports of someone in scope are in scope too, so any report will do. As a semi-join,
    # PostgreSQL walks the people in name order (ix_people_company_id_name) and stops at the
    # page's end: 25 ms to 3 ms for HR's first 300 managers of 20,000 people.
    report = alias(Person, "report")
    return select(report.id).where(report.manager_id == Person.id).exists()


def managers_in_scope(actor: Person) -> list[Person]:
    """Everyone in the actor's scope who has reports, by name."""
    return list(db.session.scalars(
        select(Person).where(scope_clause(actor), _has_reports())
        .order_by(Person.name, Person.id)))


def manager_filter(actor: Person) -> ManagerChoices:
    """The choices of the people table's manager filter, unless there are more than
    MANAGER_CHOICES (a list of thousands helps no one and costs the page): ids and names only.
    Kept until the company's data changes: every page of the table shows it."""
    return computed(actor.company, ("manager filter", actor.id),
                    lambda: _manager_filter(actor), reads_entries=False)


def _manager_filter(actor: Person) -> ManagerChoices:
    limit = MANAGER_CHOICES
    rows = db.session.execute(
        select(Person.id, Person.name).where(scope_clause(actor), _has_reports())
        .order_by(Person.name, Person.id).limit(limit + 1)
    ).all()
    if len(rows) > limit:
        return ManagerChoices([], complete=False)
    return ManagerChoices([ManagerChoice(id, name) for id, name in rows], complete=True)


def manager_choice(actor: Person, person_id: int | None) -> ManagerChoice | None:
    """The manager a filter names, if the actor may see them."""
    if person_id is None:
        return None
    row = db.session.execute(
        select(Person.id, Person.name).where(scope_clause(actor), Person.id == person_id)
    ).first()
    return ManagerChoice(*row) if row else None
