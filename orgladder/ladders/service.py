"""Reading ladders: the list, and a ladder laid out with its tracks aligned by equivalence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from ..computed import computed
from ..extensions import db
from ..people.models import Person
from ..tenancy import Company, get_in_company_or_404
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


@dataclass(frozen=True)
class LevelChoice:
    id: int
    code: str
    title: str


@dataclass
class TrackChoice:
    """A track and its live levels, for the filters of the people pages."""

    ladder_id: int
    ladder_name: str
    id: int
    name: str
    levels: list[LevelChoice]


def company_levels(company_id: int) -> dict[int, Level]:
    """Every level of the company, archived ones too (history refers to them), with tracks,
    in ladder order, for charts and calibration; without their texts, which neither shows (a
    use fails loudly rather than costing a query per level).

    The levels are kept until the company's data changes, out of any session, and each call
    merges its own copies into the request's session without a query (``merge(load=False)``,
    SQLAlchemy's pattern for cached objects): a request may use and assign them as loaded
    objects, and nothing it does reaches the kept ones."""
    company = db.session.get(Company, company_id)  # the signed-in person's: no query
    kept = computed(company, ("levels",), lambda: _detached_levels(company_id),
                    reads_entries=False)
    return {level_id: db.session.merge(level, load=False) for level_id, level in kept.items()}


def _detached_levels(company_id: int) -> dict[int, Level]:
    # Read in a session of their own: a level the request has loaded already stays the
    # request's alone, and no request's session ever holds a kept level.
    with Session(db.engine) as own:
        return {level.id: level for level in own.scalars(
            select(Level).join(Track, Track.id == Level.track_id)
            .where(Level.company_id == company_id)
            .options(joinedload(Level.track), *(defer(text, raiseload=True) for text in (
                Level.summary, Level.responsibilities, Level.skills)))
            .order_by(Level.ladder_id, Track.position, Level.position))}


def track_choices(actor: Person) -> list[TrackChoice]:
    """Every track of the actor's company with its live levels, by ladder name and position,
    in one query of plain rows, kept until the company's data changes (the people table shows
    them on every page)."""
    return computed(actor.company, ("track choices",), lambda: _track_choices(actor),
                    reads_entries=False)


def _track_choices(actor: Person) -> list[TrackChoice]:
    rows = db.session.execute(
        select(Ladder.id, Ladder.name, Track.id, Track.name, Level.id, Level.code, Level.title)
        .join(Track, Track.ladder_id == Ladder.id)
        .outerjoin(Level, (Level.track_id == Track.id) & Level.archived.is_(False))
        .where(Ladder.company_id == actor.company_id)
        .order_by(Ladder.name, Ladder.id, Track.position, Track.id, Level.position, Level.id))
    tracks: dict[int, TrackChoice] = {}
    for ladder_id, ladder_name, track_id, track_name, level_id, code, title in rows:
        track = tracks.setdefault(track_id, TrackChoice(ladder_id, ladder_name, track_id,
                                                        track_name, []))
        if level_id is not None:
            track.levels.append(LevelChoice(level_id, code, title))
    return list(tracks.values())


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
