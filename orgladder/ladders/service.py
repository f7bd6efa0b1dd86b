"""Reading ladders: the list, and a ladder laid out with its tracks aligned by equivalence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..people.models import Person
from ..tenancy import get_in_company_or_404
from .models import Competency, Expectation, Ladder, Level, Track


@dataclass
class LadderRow:
    """One rung of the ladder page: the equivalent levels of every track, side by side."""

    grade: float
    cells: list[Level | None]


@dataclass
class LadderView:
    ladder: Ladder
    tracks: list[Track]
    competencies: list[Competency]
    rows: list[LadderRow]
    expectations: dict[int, dict[int, str]]  # level id -> competency id -> text

    def equivalents(self, level: Level) -> list[Level]:
        for row in self.rows:
            if level in row.cells:
                return [cell for cell in row.cells if cell is not None and cell is not level]
        return []


def list_ladders(actor: Person) -> list[Ladder]:
    return list(
        db.session.scalars(
            select(Ladder)
            .where(Ladder.company_id == actor.company_id)
            .options(selectinload(Ladder.tracks).selectinload(Track.all_levels))
            .order_by(Ladder.name)
        )
    )


def load_ladder(actor: Person, ladder_id: int) -> Ladder:
    """A ladder of the actor's company with tracks, levels and competencies, in 4 queries."""
    ladder = get_in_company_or_404(Ladder, ladder_id, actor)
    db.session.scalars(
        select(Ladder)
        .where(Ladder.id == ladder.id)
        .options(
            selectinload(Ladder.tracks).selectinload(Track.all_levels),
            selectinload(Ladder.competencies),
        )
    ).one()
    return ladder


def align_rows(tracks: list[Track]) -> list[LadderRow]:
    """Rows keyed by grade, so equivalent levels share a row; ungraded levels follow their
    predecessor on the track."""
    by_key: dict[float, list[Level | None]] = defaultdict(lambda: [None] * len(tracks))
    for column, track in enumerate(tracks):
        last = 0.0
        for step, level in enumerate(track.levels, start=1):
            key = float(level.grade) if level.grade is not None else last + step / 1000
            last = key if level.grade is not None else last
            by_key[key][column] = level
    return [LadderRow(grade=key, cells=by_key[key]) for key in sorted(by_key)]


def expectations_for(level_ids: list[int]) -> dict[int, dict[int, str]]:
    result: dict[int, dict[int, str]] = defaultdict(dict)
    if level_ids:
        for level_id, competency_id, text in db.session.execute(
            select(Expectation.level_id, Expectation.competency_id, Expectation.text).where(
                Expectation.level_id.in_(level_ids)
            )
        ):
            result[level_id][competency_id] = text
    return result


def ladder_view(actor: Person, ladder_id: int) -> LadderView:
    ladder = load_ladder(actor, ladder_id)
    tracks = list(ladder.tracks)
    level_ids = [level.id for track in tracks for level in track.levels]
    return LadderView(
        ladder=ladder,
        tracks=tracks,
        competencies=[c for c in ladder.competencies if not c.retired],
        rows=align_rows(tracks),
        expectations=expectations_for(level_ids),
    )
