"""A person's level history: every decision, oldest first, each read against the one before.

A change of level on the same track is a promotion (or a move down); a change of track at the
same grade is a track switch (IC to management or back at an equivalent level).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..ladders.models import Level
from .models import LevelAssignment, Person


@dataclass(frozen=True)
class HistoryEntry:
    assignment: LevelAssignment
    kind: str  # initial, promotion, step_down, track_switch, track_change, same_level, ...
    scheduled: bool  # takes effect after today
    published_level: Level | None = None  # the level as the published ladder names it

    @property
    def level(self) -> Level:
        return self.published_level or self.assignment.level

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "initial": "First level",
    "promotion": "Promotion",
    "step_down": "Moved down",
    "track_switch": "Track switch at an equivalent level",
    "track_change": "Track change",
    "ladder_change": "Moved to another ladder",
    "same_level": "Level confirmed",
}


def classify(previous: Level | None, level: Level) -> str:
    if previous is None:
        return "initial"
    if previous.id == level.id:
        return "same_level"
    if previous.ladder_id != level.ladder_id:
        return "ladder_change"
    if previous.track_id == level.track_id:
        return "promotion" if level.position > previous.position else "step_down"
    if previous.grade is not None and previous.grade == level.grade:
        return "track_switch"
    return "track_change"


def level_history(person: Person, today: date | None = None) -> list[HistoryEntry]:
    """Newest first, in one query. Future-dated decisions are included and marked."""
    today = today or date.today()
    assignments = db.session.scalars(
        select(LevelAssignment)
        .where(LevelAssignment.person_id == person.id)
        .options(
            joinedload(LevelAssignment.level).joinedload(Level.track),
            joinedload(LevelAssignment.decided_by),
        )
        .order_by(LevelAssignment.effective_date, LevelAssignment.id)
    ).all()
    entries: list[HistoryEntry] = []
    previous: Level | None = None
    for assignment in assignments:
        entries.append(HistoryEntry(assignment, classify(previous, assignment.level),
                                    assignment.effective_date > today))
        previous = assignment.level
    return list(reversed(entries))
