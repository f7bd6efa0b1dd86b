"""Calibration: a cycle over a population, grouped into sessions, one entry per person.

An entry keeps the values the manager prepared (``original_*``, frozen when the session starts)
beside the calibrated ones, so every change made in the session stays visible. Cycles and
entries carry an optimistic version counter: two saves that started from the same revision
cannot both land.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow
from ..ladders.models import Ladder, Level
from ..people.models import Person
from ..tenancy import CompanyOwned
from ..versioning import revision_column

session_participants = Table(
    "calibration_participants",
    db.metadata,
    Column("session_id", ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class CalibrationCycle(CompanyOwned, db.Model):
    __tablename__ = "calibration_cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    ladder_id: Mapped[int] = mapped_column(ForeignKey("ladders.id"), index=True)
    # None: the whole company; else everyone below this person (not the person themselves).
    population_root_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    # Labels lowest first; a rating is the 1-based position of its label.
    rating_scale: Mapped[list[str]] = mapped_column(JSON)
    potential_scale: Mapped[list[str]] = mapped_column(JSON)
    # Percent of people expected at each rating, or None when the company sets no target.
    target_distribution: Mapped[list[int] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision: Mapped[int] = revision_column()

    __mapper_args__ = {"version_id_col": revision}

    ladder: Mapped[Ladder] = relationship()
    population_root: Mapped[Person | None] = relationship(foreign_keys=[population_root_id])
    sessions: Mapped[list[CalibrationSession]] = relationship(
        back_populates="cycle", order_by="CalibrationSession.name",
        cascade="all, delete-orphan",
    )

    def rating_label(self, value: int | None) -> str:
        return _label(self.rating_scale, value)

    def potential_label(self, value: int | None) -> str:
        return _label(self.potential_scale, value)


def _label(scale: list[str], value: int | None) -> str:
    if value is None or not 1 <= value <= len(scale):
        return ""
    return scale[value - 1]


class CalibrationSession(CompanyOwned, db.Model):
    """A group of the population discussed together. Its people are everyone below ``root``
    (everyone not in a more specific session, when ``root`` is None)."""

    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_cycles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    root_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = revision_column()

    __mapper_args__ = {"version_id_col": revision}

    cycle: Mapped[CalibrationCycle] = relationship(back_populates="sessions")
    root: Mapped[Person | None] = relationship(foreign_keys=[root_id])
    facilitator: Mapped[Person] = relationship(foreign_keys=[facilitator_id])
    participants: Mapped[list[Person]] = relationship(
        secondary=session_participants, order_by=Person.name, lazy="selectin")

    def involves(self, person: Person) -> bool:
        return person.id == self.facilitator_id or any(p.id == person.id
                                                       for p in self.participants)


ENTRY_FIELDS = ("proposed_level_id", "performance", "potential", "promotion_ready")


class EntryValues:
    """An entry's values against what its manager prepared: for the model, and for the rows the
    session page reads as plain columns (calibration.analytics.EntryRow). Both carry the entry
    fields and their ``original_*`` counterparts."""

    def values(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in ENTRY_FIELDS}

    def originals(self) -> dict[str, Any]:
        return {"proposed_level_id": self.original_level_id,
                "performance": self.original_performance,
                "potential": self.original_potential,
                "promotion_ready": self.original_promotion_ready}

    def changed_in_session(self) -> list[str]:
        """The fields whose calibrated value differs from what the manager prepared."""
        if not self.originals_frozen:
            return []
        originals = self.originals()
        return [field for field in ENTRY_FIELDS if originals[field] != getattr(self, field)]


class CalibrationEntry(EntryValues, CompanyOwned, db.Model):
    __tablename__ = "calibration_entries"
    __table_args__ = (UniqueConstraint("cycle_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_cycles.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The reporting line when the entry was made: the manager whose ratings it counts towards.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    current_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id"), index=True)
    proposed_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id"), index=True)
    performance: Mapped[int | None] = mapped_column(Integer)
    potential: Mapped[int | None] = mapped_column(Integer)
    promotion_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the manager prepared, frozen when the session starts.
    original_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id"), index=True)
    original_performance: Mapped[int | None] = mapped_column(Integer)
    original_potential: Mapped[int | None] = mapped_column(Integer)
    original_promotion_ready: Mapped[bool | None] = mapped_column(Boolean)
    originals_frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision: Mapped[int] = revision_column()

    __mapper_args__ = {"version_id_col": revision}

    cycle: Mapped[CalibrationCycle] = relationship()
    session: Mapped[CalibrationSession | None] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    manager: Mapped[Person | None] = relationship(foreign_keys=[manager_id])
    current_level: Mapped[Level | None] = relationship(foreign_keys=[current_level_id])
    proposed_level: Mapped[Level | None] = relationship(foreign_keys=[proposed_level_id])
    original_level: Mapped[Level | None] = relationship(foreign_keys=[original_level_id])
    prepared_by: Mapped[Person | None] = relationship(foreign_keys=[prepared_by_id])
    updated_by: Mapped[Person | None] = relationship(foreign_keys=[updated_by_id])


class EntryNote(CompanyOwned, db.Model):
    """One message of an entry's calibration thread. Never shown to the person concerned."""

    __tablename__ = "calibration_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_entries.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Person | None] = relationship()
