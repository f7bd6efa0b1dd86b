"""What the calibration pages read. Each read costs a fixed number of queries, whatever the
size of the cycle; the visibility rules come from ``rules``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..access import ROLE_PERMISSIONS, Permission
from ..computed import computed
from ..extensions import alias, db
from ..ladders.models import Level
from ..people.history import classify
from ..people.models import LevelAssignment, Person, RoleGrant
from .analytics import ENTRY_COLUMNS
from .models import CalibrationCycle, CalibrationEntry, CalibrationSession
from .rules import SESSION_OPEN, may_manage, sessions_of, visible_entries_clause
from .service import group, population_query
from .states import CycleState


@dataclass
class CycleRow:
    cycle: CalibrationCycle
    manages: bool
    sessions: list[CalibrationSession]  # the ones the actor takes part in (open ones only)
    to_prepare: int


def _cycles(company_id: int):
    return (select(CalibrationCycle)
            .where(CalibrationCycle.company_id == company_id)
            .options(selectinload(CalibrationCycle.sessions),
                     joinedload(CalibrationCycle.population_root),
                     joinedload(CalibrationCycle.ladder))
            .order_by(CalibrationCycle.period_start.desc(), CalibrationCycle.id.desc()))


def _to_prepare(actor: Person, cycle_ids: list[int]) -> dict[int, int]:
    if not cycle_ids:
        return {}
    return dict(db.session.execute(
        select(CalibrationEntry.cycle_id, func.count(CalibrationEntry.id))
        .join(Person, Person.id == CalibrationEntry.person_id)
        .where(CalibrationEntry.cycle_id.in_(cycle_ids), Person.path_within(actor.path),
               Person.id != actor.id)
        .group_by(CalibrationEntry.cycle_id)).all())


def cycle_rows(actor: Person) -> list[CycleRow]:
    """The cycles the actor manages, prepares entries in, or takes part in."""
    cycles = db.session.scalars(_cycles(actor.company_id)).all()
    preparing = _to_prepare(actor, [c.id for c in cycles if c.state == CycleState.PREPARATION])
    rows = []
    for cycle in cycles:
        manages = may_manage(actor, cycle)
        sessions = sessions_of(actor, cycle) if cycle.state in SESSION_OPEN else []
        to_prepare = preparing.get(cycle.id, 0)
        if manages or sessions or to_prepare:
            rows.append(CycleRow(cycle, manages, sessions, to_prepare))
    return rows


def cycle_row(actor: Person, cycle: CalibrationCycle) -> CycleRow | None:
    """The actor's relation to one cycle, or None when they have nothing to do with it."""
    to_prepare = (_to_prepare(actor, [cycle.id]).get(cycle.id, 0)
                  if cycle.state == CycleState.PREPARATION else 0)
    manages = may_manage(actor, cycle)
    sessions = sessions_of(actor, cycle) if cycle.state in SESSION_OPEN else []
    if manages or sessions or to_prepare:
        return CycleRow(cycle, manages, sessions, to_prepare)
    return None


@dataclass
class SessionProgress:
    session: CalibrationSession | None  # None: the people in no session yet
    people: int
    prepared: int = 0  # of the entries the viewer may know about: never their own
    withheld: int = 0  # the viewer's own entries: counted in ``people``, never as prepared


@dataclass
class CycleProgress:
    population: int
    sessions: list[SessionProgress] = field(default_factory=list)

    @property
    def prepared(self) -> int:
        return sum(s.prepared for s in self.sessions)

    @property
    def withheld(self) -> int:
        return sum(s.withheld for s in self.sessions)

    @property
    def unprepared(self) -> int:
        """Entries never prepared, among those whose preparation the viewer may know of."""
        return self.population - self.withheld - self.prepared


def cycle_progress(viewer: Person, cycle: CalibrationCycle) -> CycleProgress:
    """Head counts per session: from the entries once they exist, else (in draft) a preview
    from the population as it stands. The viewer's own entry is counted among the people and
    never as prepared or not: that another HR prepared it is calibration content about them
    (``rules``)."""
    sessions = list(cycle.sessions)
    if cycle.state == CycleState.DRAFT:
        people = db.session.execute(population_query(cycle)).all()
        grouped = group(sessions, [(pid, path) for pid, path, _ in people])
        counts: dict[int | None, list[int]] = {}
        for session_id in grouped.values():
            counts.setdefault(session_id, [0, 0, 0])[0] += 1
    else:
        own = CalibrationEntry.person_id == viewer.id
        rows = db.session.execute(
            select(CalibrationEntry.session_id, func.count(CalibrationEntry.id),
                   func.count(case((own, None), else_=CalibrationEntry.prepared_at)),
                   func.count(case((own, 1))))
            .where(CalibrationEntry.cycle_id == cycle.id)
            .group_by(CalibrationEntry.session_id)).all()
        counts = {sid: [total, prepared, withheld] for sid, total, prepared, withheld in rows}
    progress = [SessionProgress(s, *counts.get(s.id, [0, 0, 0])) for s in sessions]
    if counts.get(None):
        progress.append(SessionProgress(None, *counts[None]))
    return CycleProgress(population=sum(c[0] for c in counts.values()), sessions=progress)


def _entry_options():
    return (joinedload(CalibrationEntry.person), joinedload(CalibrationEntry.manager))


def entries_to_prepare(actor: Person, cycle: CalibrationCycle) -> list[CalibrationEntry]:
    """The entries of the actor's reporting line (direct and indirect), while in preparation."""
    if cycle.state != CycleState.PREPARATION:
        return []
    return list(db.session.scalars(
        select(CalibrationEntry).join(Person, Person.id == CalibrationEntry.person_id)
        .where(CalibrationEntry.cycle_id == cycle.id, Person.path_within(actor.path),
               Person.id != actor.id)
        .options(*_entry_options(), joinedload(CalibrationEntry.current_level),
                 joinedload(CalibrationEntry.proposed_level))
        .order_by(Person.name, Person.id)))


def visible_entries_query(actor: Person, cycle: CalibrationCycle,
                          session_id: int | None = None) -> Select:
    """The entries of the cycle (or of one session) the actor may see, by name then id: a
    stable order, for reading a page at a time."""
    query = (select(CalibrationEntry).join(Person, Person.id == CalibrationEntry.person_id)
             .where(visible_entries_clause(actor, cycle))
             .options(*_entry_options()).order_by(Person.name, Person.id))
    if session_id is not None:
        query = query.where(CalibrationEntry.session_id == session_id)
    return query


def visible_session_entries(actor: Person, cycle: CalibrationCycle, session_id: int):
    """The entries of one session the actor may see (the rule of visible_entries), as plain
    rows: ENTRY_COLUMNS, then the person's ``name`` and ``profession_start`` and the
    ``manager_name``. The session page reads every entry, and entry and person objects were
    a third of its time."""
    manager = alias(Person, "manager")
    columns = [getattr(CalibrationEntry, name) for name in ENTRY_COLUMNS]
    return db.session.execute(
        select(*columns, Person.name, Person.profession_start,
               manager.name.label("manager_name"))
        .join(Person, Person.id == CalibrationEntry.person_id)
        .outerjoin(manager, manager.id == CalibrationEntry.manager_id)
        .where(visible_entries_clause(actor, cycle), CalibrationEntry.session_id == session_id)
        .order_by(Person.name, Person.id)).all()


def visible_entries(actor: Person, cycle: CalibrationCycle) -> list[CalibrationEntry]:
    """The entries of the cycle the actor may see, by name."""
    return list(db.session.scalars(visible_entries_query(actor, cycle)))


def last_promotions(levels: dict[int, Level], people: Collection[int],
                    today: date | None = None) -> dict[int, date]:
    """person id -> date of their latest promotion up to ``today``, for the given people
    (those without one are left out). No query when there is no one to look up."""
    if not people:
        return {}
    today = today or date.today()
    rows = db.session.execute(
        select(LevelAssignment.person_id, LevelAssignment.level_id,
               LevelAssignment.effective_date)
        .where(LevelAssignment.person_id.in_(people), LevelAssignment.effective_date <= today)
        .order_by(LevelAssignment.person_id, LevelAssignment.effective_date, LevelAssignment.id))
    result: dict[int, date] = {}
    previous: dict[int, Level] = {}
    for person_id, level_id, effective in rows:
        level = levels.get(level_id)
        if level is None:
            continue
        if classify(previous.get(person_id), level) == "promotion":
            result[person_id] = effective
        previous[person_id] = level
    return result


def last_promotion(actor: Person, levels: dict[int, Level], person_id: int,
                   today: date | None = None) -> date | None:
    """The person's latest promotion up to ``today``, kept until the company's data changes:
    an entry's page shows it on every view, and its form on every save."""
    today = today or date.today()
    return computed(actor.company, ("last promotion", person_id, today),
                    lambda: last_promotions(levels, [person_id], today).get(person_id),
                    reads_entries=False)


def ladder_levels(cycle: CalibrationCycle, levels: dict[int, Level]) -> list[Level]:
    """The live levels of the cycle's ladder, track by track: the proposals to choose from,
    picked from the company's ``levels`` (``ladders.service.company_levels``)."""
    return [lv for lv in levels.values() if lv.ladder_id == cycle.ladder_id and not lv.archived]


def calibrators(company_id: int) -> list[Person]:
    """The active people who may take part in a session: those holding a role that grants
    ``CALIBRATE`` (managers and HR)."""
    roles = [role for role, granted in ROLE_PERMISSIONS.items()
             if Permission.CALIBRATE in granted]
    return list(db.session.scalars(
        select(Person).where(Person.company_id == company_id, Person.active.is_(True),
                             select(RoleGrant.id).where(RoleGrant.person_id == Person.id,
                                                        RoleGrant.role.in_(roles)).exists())
        .order_by(Person.name, Person.id)))
