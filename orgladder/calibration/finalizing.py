"""Finalizing a cycle into level decisions, and reopening it.

``service.transition`` runs these inside one savepoint: when any level assignment fails, none
is applied, no entry is locked and the cycle stays in session.

Finalizing carries out the cycle's decisions for everyone in it, the finalizer included when
they are in its population; what they are told stays within ``rules.may_see_entry``: the
preview lists only the changes they may see, and a failure on an entry they may not see says
so without naming its person or values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..errors import DomainError
from ..extensions import db, utcnow
from ..ladders.models import Level
from ..people import service as people_service
from ..people.models import Person
from .models import CalibrationCycle, CalibrationEntry
from .rules import may_see_entry

HIDDEN_FAILURE = ("An entry you may not see could not be applied (your own, if you are in "
                  "this cycle); another HR can look at it.")


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


@dataclass(frozen=True)
class FinalizePreview:
    """What finalizing would apply, as ``actor`` may read it: the changes of the entries they
    may see, and how many entries about themselves are left out. That number counts their
    entries in the cycle, changed or not, so it never tells whether their own level changes."""

    changes: list[LevelChange]
    withheld: int


def finalize_preview(actor: Person, cycle: CalibrationCycle,
                     effective_date: date | None = None) -> FinalizePreview:
    shown = [c for c in pending_changes(cycle, effective_date) if may_see_entry(actor, c.entry)]
    own = db.session.scalar(select(func.count(CalibrationEntry.id)).where(
        CalibrationEntry.cycle_id == cycle.id, CalibrationEntry.person_id == actor.id))
    return FinalizePreview(shown, own or 0)


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
            people_service.apply_calibrated_level(actor, change.person, change.proposed,
                                                  effective_date, cycle.name)
        except DomainError as error:
            detail = (f"{change.person.name}: {error.message}"
                      if may_see_entry(actor, change.entry) else HIDDEN_FAILURE)
            raise DomainError("Nothing was applied, and the cycle stays in session. "
                              + detail) from error
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
