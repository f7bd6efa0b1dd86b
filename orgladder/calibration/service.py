"""Calibration cycles and their sessions: setting up, grouping, and moving through the states.

Services take the acting person explicitly, check the rules in ``rules``, write an audit event
in the same transaction and leave the commit to the caller. They return plain model objects.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..access import Permission, company_wide, has_permission, in_scope
from ..errors import DomainError, NotAllowed
from ..extensions import db, utcnow
from ..ladders.models import Ladder, Level
from ..people.models import Person
from ..people.service import current_assignments_subquery
from ..versioning import flush_or_refuse
from . import scales
from .finalizing import finalize_cycle, reopen_cycle
from .models import CalibrationCycle, CalibrationEntry, CalibrationSession
from .rules import may_manage
from .states import REGROUPABLE, SETTINGS_EDITABLE, CycleState, check_transition, label


class StaleCycle(DomainError):
    """The settings were saved by someone else after the form was opened."""

    def __init__(self, current_revision: int):
        super().__init__("Someone changed this cycle after you opened it, so your save was "
                         "refused and nothing was overwritten. Review the current settings and "
                         "save again.")
        self.current_revision = current_revision


class StaleSession(DomainError):
    """The session was saved by someone else after the form was opened."""

    def __init__(self, current_revision: int):
        super().__init__("Someone changed this session after you opened it, so your save was "
                         "refused and nothing was overwritten. Review its current name and "
                         "people and save again.")
        self.current_revision = current_revision


def _settings(cycle: CalibrationCycle) -> dict[str, Any]:
    return {
        "name": cycle.name, "ladder_id": cycle.ladder_id,
        "population_root_id": cycle.population_root_id,
        "period_start": cycle.period_start.isoformat(), "period_end": cycle.period_end.isoformat(),
        "due_date": cycle.due_date.isoformat() if cycle.due_date else None,
        "rating_scale": list(cycle.rating_scale), "potential_scale": list(cycle.potential_scale),
        "target_distribution": cycle.target_distribution,
    }


def _check_manager(actor: Person, cycle: CalibrationCycle) -> None:
    if not may_manage(actor, cycle):
        raise NotAllowed("Only HR responsible for the whole population can manage this cycle.")


def _checked_settings(actor: Person, cycle: CalibrationCycle | None, *, name: str, ladder: Ladder,
                      population_root: Person | None, period_start: date, period_end: date,
                      due_date: date | None, rating_scale: list[str], potential_scale: list[str],
                      target_distribution: list[int] | None) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the cycle a name.", field="name")
    clash = db.session.scalar(select(CalibrationCycle.id).where(
        CalibrationCycle.company_id == actor.company_id, CalibrationCycle.name == name,
        CalibrationCycle.id != (cycle.id if cycle else 0)))
    if clash:
        raise DomainError(f"Another cycle is already called {name!r}.", field="name")
    if ladder.company_id != actor.company_id:
        raise DomainError("Choose a ladder of your company.", field="ladder")
    if population_root is None:
        if not company_wide(actor):
            raise DomainError("Choose a manager within your part of the company.",
                              field="population")
    elif population_root.company_id != actor.company_id or not in_scope(actor, population_root):
        raise DomainError("Choose a manager within your part of the company.", field="population")
    if period_end < period_start:
        raise DomainError("The period ends before it starts.", field="period_end")
    ratings = scales.checked_scale(rating_scale, "rating_scale", "rating scale")
    return dict(
        name=name, ladder_id=ladder.id, population_root_id=population_root.id
        if population_root else None, period_start=period_start, period_end=period_end,
        due_date=due_date, rating_scale=ratings,
        potential_scale=scales.checked_scale(potential_scale, "potential_scale",
                                             "potential scale"),
        target_distribution=scales.checked_target(target_distribution, len(ratings)),
    )


def create_cycle(actor: Person, *, name: str, ladder: Ladder, population_root: Person | None,
                 period_start: date, period_end: date, due_date: date | None = None,
                 rating_scale: list[str] | None = None, potential_scale: list[str] | None = None,
                 target_distribution: list[int] | None = None) -> CalibrationCycle:
    """A new cycle in draft. Entries are made when preparation opens."""
    if not has_permission(actor, Permission.MANAGE_CALIBRATIONS):
        raise NotAllowed("Only HR can set up calibration cycles.")
    values = _checked_settings(
        actor, None, name=name, ladder=ladder, population_root=population_root,
        period_start=period_start, period_end=period_end, due_date=due_date,
        rating_scale=rating_scale or scales.DEFAULT_RATING_SCALE,
        potential_scale=potential_scale or scales.DEFAULT_POTENTIAL_SCALE,
        target_distribution=target_distribution)
    cycle = CalibrationCycle(company_id=actor.company_id, state=CycleState.DRAFT,
                             created_by_id=actor.id, **values)
    db.session.add(cycle)
    db.session.flush()
    audit.record(actor, "calibration.cycle.create", cycle, after=_settings(cycle))
    return cycle


def update_cycle(actor: Person, cycle: CalibrationCycle, *, expected_revision: int | None,
                 **settings) -> CalibrationCycle:
    """Edit the settings. Who is calibrated, on which ladder and on which scales is fixed once
    preparation opens: entries already hold levels and ratings of those."""
    _check_manager(actor, cycle)
    if cycle.state not in SETTINGS_EDITABLE:
        raise DomainError(f"A cycle in {label(cycle.state).lower()} can no longer be edited.")
    if expected_revision is not None and expected_revision != cycle.revision:
        raise StaleCycle(cycle.revision)
    values = _checked_settings(actor, cycle, **settings)
    before = _settings(cycle)
    if cycle.state != CycleState.DRAFT:
        fixed = [f for f in ("ladder_id", "population_root_id", "rating_scale", "potential_scale")
                 if values[f] != getattr(cycle, f)]
        if fixed:
            raise DomainError("The population, the ladder and the scales are fixed once "
                              "preparation has opened.", field=fixed[0].removesuffix("_id")
                              .replace("population_root", "population"))
    for field, value in values.items():
        setattr(cycle, field, value)
    flush_or_refuse(cycle, StaleCycle)
    after = _settings(cycle)
    if after != before:
        audit.record(actor, "calibration.cycle.update", cycle, before=before, after=after)
    return cycle


def _flush(what: str) -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise DomainError(f"Someone saved this {what} at the same moment; reload and try "
                          "again.") from None


# --- sessions -------------------------------------------------------------------------------

def population_query(cycle: CalibrationCycle):
    query = select(Person.id, Person.path, Person.manager_id).where(
        Person.company_id == cycle.company_id, Person.active.is_(True))
    root = cycle.population_root
    if root is not None:
        query = query.where(Person.path_within(root.path), Person.id != root.id)
    return query


def group(sessions: list[CalibrationSession],
          people: list[tuple[int, str]]) -> dict[int, int | None]:
    """Which session each person (id, path) belongs to: the one whose root is their closest
    manager among the session roots; a session without a root takes everyone else."""
    rooted = sorted(((s.root.path, s.root.id, s.id) for s in sessions if s.root is not None),
                    key=lambda item: -len(item[0]))
    fallback = next((s.id for s in sessions if s.root is None), None)
    result: dict[int, int | None] = {}
    for person_id, path in people:
        result[person_id] = next(
            (sid for prefix, root_id, sid in rooted
             if path.startswith(prefix) and person_id != root_id), fallback)
    return result


def _regroup(cycle: CalibrationCycle) -> None:
    """Put every entry in its session, in one UPDATE per session (a grouping change is not an
    edit of the entry, so it leaves the entries' revisions alone)."""
    rows = db.session.execute(
        select(CalibrationEntry.id, CalibrationEntry.session_id, Person.id, Person.path)
        .join(Person, Person.id == CalibrationEntry.person_id)
        .where(CalibrationEntry.cycle_id == cycle.id)).all()
    wanted = group(list(cycle.sessions), [(person_id, path) for _, _, person_id, path in rows])
    moves: dict[int | None, list[int]] = {}
    for entry_id, session_id, person_id, _ in rows:
        if wanted[person_id] != session_id:
            moves.setdefault(wanted[person_id], []).append(entry_id)
    for session_id, entry_ids in moves.items():
        for start in range(0, len(entry_ids), 500):
            db.session.execute(update(CalibrationEntry)
                               .where(CalibrationEntry.id.in_(entry_ids[start:start + 500]))
                               .values(session_id=session_id)
                               .execution_options(synchronize_session=False))
    if moves:
        db.session.expire_all()


def _checked_people(actor: Person, facilitator: Person, participants: list[Person]) -> None:
    for person, field in [(facilitator, "facilitator"), *((p, "participants")
                                                         for p in participants)]:
        if person.company_id != actor.company_id or not person.active:
            raise DomainError("Choose people of your company.", field=field)
        if not has_permission(person, Permission.CALIBRATE):
            raise DomainError(f"{person.name} is neither a manager nor HR, so cannot take part "
                              "in a calibration session.", field=field)


def _session_state(session: CalibrationSession) -> dict[str, Any]:
    return {"name": session.name, "root_id": session.root_id,
            "facilitator_id": session.facilitator_id,
            "participant_ids": sorted(p.id for p in session.participants)}


def add_session(actor: Person, cycle: CalibrationCycle, *, name: str, root: Person | None,
                facilitator: Person, participants: list[Person]) -> CalibrationSession:
    """A session for everyone below ``root`` not in a more specific session (everyone left,
    when ``root`` is None)."""
    _check_manager(actor, cycle)
    if cycle.state not in REGROUPABLE:
        raise DomainError("Sessions are formed before the session starts; this cycle is "
                          f"{label(cycle.state).lower()}.")
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the session a name.", field="name")
    if any(s.name == name for s in cycle.sessions):
        raise DomainError(f"This cycle already has a session called {name!r}.", field="name")
    population_root = cycle.population_root
    if root is not None:
        inside = root.company_id == cycle.company_id and (
            population_root is None or root.path.startswith(population_root.path))
        if not inside:
            raise DomainError("Choose a manager within the cycle's population.", field="root")
        if population_root is not None and root.id == population_root.id:
            root = None  # the population root's subtree is the whole population
    if any(s.root_id == (root.id if root else None) for s in cycle.sessions):
        raise DomainError("Another session of this cycle already groups these people.",
                          field="root")
    _checked_people(actor, facilitator, participants)
    session = CalibrationSession(company_id=cycle.company_id, cycle=cycle, name=name, root=root,
                                 facilitator=facilitator, participants=list(participants))
    db.session.add(session)
    db.session.flush()
    _regroup(cycle)
    audit.record(actor, "calibration.session.create", session, after=_session_state(session))
    return session


def update_session(actor: Person, session: CalibrationSession, *, name: str,
                   facilitator: Person, participants: list[Person],
                   expected_revision: int | None = None) -> CalibrationSession:
    cycle = session.cycle
    _check_manager(actor, cycle)
    if cycle.state == CycleState.FINALIZED:
        raise DomainError("The cycle is finalized; reopen it to change its sessions.")
    if expected_revision is not None and expected_revision != session.revision:
        raise StaleSession(session.revision)
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the session a name.", field="name")
    if any(s.name == name and s.id != session.id for s in cycle.sessions):
        raise DomainError(f"This cycle already has a session called {name!r}.", field="name")
    _checked_people(actor, facilitator, participants)
    before = _session_state(session)
    session.name, session.facilitator = name, facilitator
    session.participants = list(participants)
    # Participants live in their own table: touch the session row so its version counter
    # moves, and a save that raced past the check above is refused by the database.
    flag_modified(session, "name")
    flush_or_refuse(session, StaleSession)
    after = _session_state(session)
    if after != before:
        audit.record(actor, "calibration.session.update", session, before=before, after=after)
    return session


def delete_session(actor: Person, session: CalibrationSession) -> None:
    cycle = session.cycle
    _check_manager(actor, cycle)
    if cycle.state not in REGROUPABLE:
        raise DomainError("Sessions can be removed only before the session starts.")
    audit.record(actor, "calibration.session.delete", session, before=_session_state(session))
    cycle.sessions.remove(session)
    db.session.flush()
    _regroup(cycle)


# --- moving through the states --------------------------------------------------------------

def populate(cycle: CalibrationCycle, today: date | None = None) -> int:
    """One entry per active person in the population, with the level they hold today (the
    proposal starts as that level, when it is on the cycle's ladder)."""
    today = today or date.today()
    current = current_assignments_subquery(cycle.company_id, today)
    level_of = dict(db.session.execute(select(current.c.person_id, current.c.level_id)).all())
    ladder_levels = set(db.session.scalars(select(Level.id).where(
        Level.ladder_id == cycle.ladder_id)))
    people = db.session.execute(population_query(cycle)).all()
    rows = [{
        "company_id": cycle.company_id, "cycle_id": cycle.id, "person_id": person_id,
        "manager_id": manager_id, "current_level_id": level_of.get(person_id),
        "proposed_level_id": level_of.get(person_id)
        if level_of.get(person_id) in ladder_levels else None,
        "promotion_ready": False, "originals_frozen": False, "revision": 1,
    } for person_id, _, manager_id in people]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(CalibrationEntry), rows[start:start + 1000])
    _regroup(cycle)
    return len(rows)


def _freeze_originals(cycle: CalibrationCycle) -> None:
    """Keep what the managers prepared beside the values the session will calibrate."""
    db.session.execute(
        update(CalibrationEntry)
        .where(CalibrationEntry.cycle_id == cycle.id, CalibrationEntry.originals_frozen.is_(False))
        .values(original_level_id=CalibrationEntry.proposed_level_id,
                original_performance=CalibrationEntry.performance,
                original_potential=CalibrationEntry.potential,
                original_promotion_ready=CalibrationEntry.promotion_ready,
                originals_frozen=True)
        .execution_options(synchronize_session=False))


def transition(actor: Person, cycle: CalibrationCycle, target: str, *, reason: str | None = None,
               effective_date: date | None = None) -> CalibrationCycle:
    """Move the cycle to ``target``; an illegal move raises a DomainError saying why."""
    _check_manager(actor, cycle)
    before = cycle.state
    check_transition(before, target, reason)
    # A savepoint around the whole move: if any part fails (one level assignment of a
    # finalization, say), none of it is applied and the cycle stays where it was.
    try:
        with db.session.begin_nested():
            details = _enter(actor, cycle, before, CycleState(target), reason, effective_date)
            cycle.state = CycleState(target).value
            cycle.finalized_at = utcnow() if target == CycleState.FINALIZED else None
            _flush("cycle")
            audit.record(actor, "calibration.cycle.transition", cycle,
                         before={"state": before}, after={"state": cycle.state, **details})
    except IntegrityError:
        # Two people opened preparation at once: the other's entries landed first.
        raise DomainError("Someone moved this cycle at the same moment; reload to see where "
                          "it is now.") from None
    db.session.expire_all()  # the bulk updates bypassed the loaded entries
    return cycle


def _enter(actor: Person, cycle: CalibrationCycle, before: str, target: CycleState,
           reason: str | None, effective_date: date | None) -> dict[str, Any]:
    """The work of entering ``target``; returns what the audit event should say about it."""
    if target == CycleState.FINALIZED:
        return finalize_cycle(actor, cycle, effective_date or date.today())
    if before == CycleState.FINALIZED:
        return reopen_cycle(cycle, reason or "")
    if target == CycleState.PREPARATION:
        count = populate(cycle)
        if not count:
            raise DomainError("No one is in this cycle's population: choose another manager "
                              "or the whole company.")
        return {"entries": count}
    unplaced = db.session.scalar(select(func.count(CalibrationEntry.id)).where(
        CalibrationEntry.cycle_id == cycle.id, CalibrationEntry.session_id.is_(None)))
    if unplaced:
        raise DomainError(f"{unplaced} {'person is' if unplaced == 1 else 'people are'} in "
                          "no session yet: add a session for them (one without a manager "
                          "takes everyone left) before the session starts.")
    _freeze_originals(cycle)
    return {}
