"""Filling in and calibrating entries, and their notes.

A save names the revision it was made from (a form's hidden field, or an HTTP ``If-Match``); a
save from an older revision is refused with what changed since, read from the audit trail, and
nothing is overwritten. Reading an entry's notes is itself recorded: who read which entry's
notes, never their text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit
from ..audit import AuditEvent
from ..errors import DomainError, NotAllowed
from ..extensions import db, utcnow
from ..ladders.models import Level
from ..people.models import Person
from ..versioning import flush_or_refuse
from .models import CalibrationEntry, EntryNote
from .rules import may_edit_entry, may_see_entry
from .states import CycleState, label

MAX_NOTE = 5000
FIELD_NAMES = {"proposed_level_id": "proposed level", "performance": "performance",
               "potential": "potential", "promotion_ready": "promotion readiness"}


class StaleEntry(DomainError):
    """The save was made from an older revision; ``changes`` say who changed what since."""

    def __init__(self, changes: list[str], current_revision: int):
        detail = " ".join(changes) or "Its values changed."
        super().__init__(
            "Someone saved this entry after you opened it, so your save was refused and "
            f"nothing was overwritten. {detail} Check the form against the current values and "
            "save again to apply yours.")
        self.changes = changes
        self.current_revision = current_revision


def _refuse(actor: Person, entry: CalibrationEntry) -> None:
    if not may_see_entry(actor, entry):
        raise NotAllowed("You may not see this calibration entry.")
    if entry.cycle.state == CycleState.FINALIZED or entry.locked_at is not None:
        raise DomainError("The cycle is finalized: its entries are read-only.")
    raise DomainError(f"The cycle is in {label(entry.cycle.state).lower()}: its entries "
                      "cannot be changed now.")


def describe(entry: CalibrationEntry, field: str, value: Any) -> str:
    """A value as people read it: a level's code and title, a rating with its label."""
    cycle = entry.cycle
    if value is None:
        return "(none)"
    if field == "proposed_level_id":
        level = db.session.get(Level, value)
        return f"{level.code} {level.title}" if level else "(a removed level)"
    if field == "performance":
        return f"{value} ({cycle.rating_label(value)})"
    if field == "potential":
        return cycle.potential_label(value) or str(value)
    return "yes" if value else "no"


def changes_since(entry: CalibrationEntry, revision: int) -> list[str]:
    """Every change saved to ``entry`` after ``revision``, oldest first, as sentences."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "CalibrationEntry",
                                 AuditEvent.target_id == entry.id,
                                 AuditEvent.action == "calibration.entry.update")
        .order_by(AuditEvent.id))
    names: dict[int | None, str] = {}
    sentences: list[str] = []
    for event in events:
        after, before = event.after or {}, event.before or {}
        if (after.get("revision") or 0) <= revision:
            continue
        if event.actor_id not in names:
            author = db.session.get(Person, event.actor_id) if event.actor_id else None
            names[event.actor_id] = author.name if author else "The system"
        for field, new in (after.get("changed") or {}).items():
            old = (before.get("changed") or {}).get(field)
            sentences.append(f"{names[event.actor_id]} changed {FIELD_NAMES.get(field, field)} "
                             f"from {describe(entry, field, old)} to "
                             f"{describe(entry, field, new)}.")
    return sentences


def _checked(entry: CalibrationEntry, level: Level | None, performance: int | None,
             potential: int | None) -> None:
    cycle = entry.cycle
    if level is not None and (level.ladder_id != cycle.ladder_id or level.archived):
        raise DomainError(f"Choose a level of the {cycle.ladder.name} ladder.",
                          field="proposed_level")
    if performance is not None and not 1 <= performance <= len(cycle.rating_scale):
        raise DomainError(f"Choose a rating from 1 to {len(cycle.rating_scale)}.",
                          field="performance")
    if potential is not None and not 1 <= potential <= len(cycle.potential_scale):
        raise DomainError("Choose a potential of the cycle's scale.", field="potential")


def save_entry(actor: Person, entry: CalibrationEntry, *, proposed_level: Level | None,
               performance: int | None, potential: int | None, promotion_ready: bool,
               expected_revision: int | None) -> CalibrationEntry:
    """Save the values of an entry, made from ``expected_revision`` (None skips the check:
    for callers that hold the entry locked themselves)."""
    if not may_edit_entry(actor, entry):
        _refuse(actor, entry)
    if expected_revision is not None and expected_revision != entry.revision:
        raise StaleEntry(changes_since(entry, expected_revision), entry.revision)
    _checked(entry, proposed_level, performance, potential)
    wanted = {"proposed_level_id": proposed_level.id if proposed_level else None,
              "performance": performance, "potential": potential,
              "promotion_ready": bool(promotion_ready)}
    before = {f: v for f, v in entry.values().items() if v != wanted[f]}
    after = {f: wanted[f] for f in before}
    if not after:
        return entry
    seen = entry.revision
    for field, value in after.items():
        setattr(entry, field, value)
    now = utcnow()
    if entry.cycle.state == CycleState.PREPARATION:
        entry.prepared_by_id, entry.prepared_at = actor.id, now
    entry.updated_by_id, entry.updated_at = actor.id, now
    flush_or_refuse(entry, lambda current: StaleEntry(
        changes_since(entry, seen) or ["Someone saved it at the same moment."], current))
    audit.record(actor, "calibration.entry.update", entry,
                 before={"person_id": entry.person_id, "changed": before},
                 after={"person_id": entry.person_id, "revision": entry.revision,
                        "changed": after})
    return entry


def add_note(actor: Person, entry: CalibrationEntry, body: str) -> EntryNote:
    if not may_edit_entry(actor, entry):
        _refuse(actor, entry)
    body = (body or "").strip()
    if not body:
        raise DomainError("Write the note first.", field="body")
    if len(body) > MAX_NOTE:
        raise DomainError(f"Keep a note under {MAX_NOTE} characters.", field="body")
    note = EntryNote(company_id=entry.company_id, entry_id=entry.id, author_id=actor.id,
                     body=body)
    db.session.add(note)
    db.session.flush()
    # The note's text stays out of the audit log, which more people may read.
    audit.record(actor, "calibration.note.add", entry,
                 after={"person_id": entry.person_id, "note_id": note.id})
    return note


def read_notes(actor: Person, entry: CalibrationEntry) -> list[EntryNote]:
    """The entry's notes, oldest first; the read is recorded in the audit log."""
    if not may_see_entry(actor, entry):
        raise NotAllowed("You may not see this calibration entry.")
    notes = list(db.session.scalars(
        select(EntryNote).where(EntryNote.entry_id == entry.id)
        .options(joinedload(EntryNote.author)).order_by(EntryNote.created_at, EntryNote.id)))
    audit.record(actor, "calibration.notes.read", entry,
                 after={"person_id": entry.person_id, "notes": len(notes)})
    return notes
