"""A ladder (job family) has tracks; a track has ordered levels; a level has expectations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow
from ..tenancy import CompanyOwned
from ..versioning import revision_column

TRACK_KINDS = ("ic", "management", "specialist")




class Ladder(CompanyOwned, db.Model):
    __tablename__ = "ladders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = revision_column()

    __mapper_args__ = {"version_id_col": revision}

    tracks: Mapped[list[Track]] = relationship(
        back_populates="ladder", order_by="Track.position", cascade="all, delete-orphan"
    )
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="ladder", order_by="Competency.position", cascade="all, delete-orphan"
    )


class Track(CompanyOwned, db.Model):
    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("ladder_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ladder_id: Mapped[int] = mapped_column(ForeignKey("ladders.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="ic")
    position: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = revision_column()

    __mapper_args__ = {"version_id_col": revision}

    ladder: Mapped[Ladder] = relationship(back_populates="tracks")
    # A deleted level stays (archived) so assignments and versions keep their meaning; the
    # pages and the draft see the live ones through ``levels``.
    all_levels: Mapped[list[Level]] = relationship(
        back_populates="track", order_by="Level.position", cascade="all, delete-orphan"
    )

    @property
    def levels(self) -> list[Level]:
        return sorted((lv for lv in self.all_levels if not lv.archived), key=lambda lv: lv.position)


class Level(CompanyOwned, db.Model):
    """One rung of a track.

    ``grade`` is the rung across tracks: levels of different tracks with the same grade are
    equivalent (P4 ~ M4). It aligns the tracks on the ladder page and is what a track switch keeps.
    """

    __tablename__ = "levels"
    # Unique among live levels only: an archived level keeps its code for history, and a new
    # level may take that code again.
    __table_args__ = (
        Index("uq_levels_live_code", "ladder_id", "code", unique=True,
              sqlite_where=text("archived = 0"), postgresql_where=text("archived = false")),
        Index("uq_levels_live_title", "track_id", "title", unique=True,
              sqlite_where=text("archived = 0"), postgresql_where=text("archived = false")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ladder_id: Mapped[int] = mapped_column(ForeignKey("ladders.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    grade: Mapped[int | None] = mapped_column(Integer)
    min_years: Mapped[int] = mapped_column(Integer, default=0)
    max_years: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    responsibilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    revision: Mapped[int] = revision_column()

    __mapper_args__ = {"version_id_col": revision}

    ladder: Mapped[Ladder] = relationship()
    track: Mapped[Track] = relationship(back_populates="all_levels")
    expectations: Mapped[list[Expectation]] = relationship(
        back_populates="level", cascade="all, delete-orphan"
    )

    @property
    def years_label(self) -> str:
        if self.max_years is None:
            return f"{self.min_years}+ years"
        return f"{self.min_years}–{self.max_years} years"

    def band_position(self, years: float | None) -> str | None:
        """Where a person's years of experience sit against this level's typical band."""
        return band_position(years, self.min_years, self.max_years)


def band_position(years: float | None, min_years: int, max_years: int | None) -> str | None:
    """Where years of experience sit against a typical band of ``min_years`` to ``max_years``
    (None: no upper end): "below", "within" or "above"; None when the years are unknown."""
    if years is None:
        return None
    if years < min_years:
        return "below"
    if max_years is not None and years > max_years:
        return "above"
    return "within"


class Competency(CompanyOwned, db.Model):
    __tablename__ = "competencies"
    __table_args__ = (UniqueConstraint("ladder_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ladder_id: Mapped[int] = mapped_column(ForeignKey("ladders.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = revision_column()

    __mapper_args__ = {"version_id_col": revision}

    ladder: Mapped[Ladder] = relationship(back_populates="competencies")


class Expectation(CompanyOwned, db.Model):
    """What a level asks within one competency."""

    __tablename__ = "expectations"
    __table_args__ = (UniqueConstraint("level_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")

    level: Mapped[Level] = relationship(back_populates="expectations")
    competency: Mapped[Competency] = relationship()


class LadderVersion(CompanyOwned, db.Model):
    """A published, immutable snapshot of a ladder: the ladder document (with the ids of its
    tracks, levels and competencies, so versions compare and restore by identity)."""

    __tablename__ = "ladder_versions"
    __table_args__ = (UniqueConstraint("ladder_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ladder_id: Mapped[int] = mapped_column(ForeignKey("ladders.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    published_by = relationship("Person")
