"""Finalizing a cycle into level decisions, and reopening it.

``service.transition`` runs these inside one savepoint: when any level assignment fails, none
is applied, no entry is locked and the cycle stays in session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..errors import DomainError
from ..extensions import db, utcnow
from ..ladders.models import Level
from ..people import service as people_service
from ..people.models import Person
from .models import CalibrationCycle, CalibrationEntry


@dataclass(frozen=True)
class LevelChange:
    entry: CalibrationEntry
    person: Person
    held: Level | None  # the level in force on the effective date
    proposed: Level


def pending_changes(cycle: CalibrationCycle, effective_date: date | None = None
                    ) -> list[LevelChange]:
    """The accepted level changes: every entry whose calibrated level differs from the level
    its person holds on ``effective_date``. Three queries whatever the size of the cycle."""
    effective_date = effective_date or date.today()
    current = current_levels(cycle, effective_date)
    entries = db.session.scalars(
        select(CalibrationEntry)
        .where(CalibrationEntry.cycle_id == cycle.id,
               CalibrationEntry.proposed_level_id.is_not(None))
        .options(joinedload(CalibrationEntry.person), joinedload(CalibrationEntry.proposed_level))
    ).all()
    changed = [e for e in entries if current.get(e.person_id) != e.proposed_level_id]
    held_ids = {current[e.person_id] for e in changed if current.get(e.person_id)}
    held = {level.id: level for level in db.session.scalars(
        select(Level).where(Level.id.in_(held_ids)))} if held_ids else {}
    return sorted(
        (LevelChange(e, e.person, held.get(current.get(e.person_id)), e.proposed_level)
         for e in changed),
        key=lambda change: (change.person.name, change.person.id))


def current_levels(cycle: CalibrationCycle, on: date) -> dict[int, int]:
    """person id -> level id in force on ``on``, for the people of the cycle."""
    current = people_service.current_assignments_subquery(cycle.company_id, on)
    people = select(CalibrationEntry.person_id).where(CalibrationEntry.cycle_id == cycle.id)
    return dict(db.session.execute(
        select(current.c.person_id, current.c.level_id)
        .where(current.c.person_id.in_(people))).all())


def finalize_cycle(actor: Person, cycle: CalibrationCycle, effective_date: date
                   ) -> dict[str, Any]:
    changes = pending_changes(cycle, effective_date)
    for change in changes:
        try:
            people_service.assign_level(actor, change.person, change.proposed, effective_date,
                                        cycle.name)
        except DomainError as error:
            raise DomainError(f"Nothing was applied, and the cycle stays in session. "
                              f"{change.person.name}: {error.message}") from error
    _set_locked(cycle, utcnow())
    return {"level_changes": len(changes), "effective_date": effective_date.isoformat()}


def reopen_cycle(cycle: CalibrationCycle, reason: str) -> dict[str, Any]:
    """Entries open again; the level decisions made at finalization stay in people's history
    (it is never rewritten), and finalizing again applies only what changed since."""
    _set_locked(cycle, None)
    return {"reason": reason.strip()}


def _set_locked(cycle: CalibrationCycle, when) -> None:
    db.session.execute(update(CalibrationEntry).where(CalibrationEntry.cycle_id == cycle.id)
                       .values(locked_at=when).execution_options(synchronize_session=False))
