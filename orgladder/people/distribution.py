"""The level distribution of a team (or everyone in scope) as a server-rendered bar chart, and
the people whose years of experience fall outside their level's typical band (information,
not a verdict). Three queries whatever the size of the org."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import scope_clause
from ..extensions import db
from ..ladders.models import Level, Track
from .models import Person, years_since
from .service import current_assignments_subquery

ROW_HEIGHT = 26
LABEL_WIDTH = 230
BAR_WIDTH = 380
FLAGGED_SHOWN = 200


@dataclass(frozen=True)
class Bar:
    label: str
    kind: str  # the track kind, for the colour
    within: int
    outside: int
    y: int
    within_width: float
    outside_width: float

    @property
    def total(self) -> int:
        return self.within + self.outside


@dataclass(frozen=True)
class Flagged:
    person_id: int
    name: str
    level: Level
    years: float
    band: str


@dataclass
class Distribution:
    bars: list[Bar]
    people: int
    flagged: list[Flagged] = field(default_factory=list)
    flagged_total: int = 0

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + 10

    label_width = LABEL_WIDTH
    bar_width = BAR_WIDTH
    row_height = ROW_HEIGHT


def level_distribution(actor: Person, root: Person | None = None,
                       today: date | None = None) -> Distribution:
    today = today or date.today()
    current = current_assignments_subquery(actor.company_id, today)
    level_of = dict(db.session.execute(select(current.c.person_id, current.c.level_id)).all())
    query = (
        select(Person.id, Person.name, Person.profession_start)
        .where(scope_clause(actor), Person.id != actor.id, Person.active.is_(True))
    )
    if root is not None:
        query = query.where(Person.path_within(root.path), Person.id != root.id)
    rows = db.session.execute(query).all()
    levels = {
        level.id: level
        for level in db.session.scalars(
            select(Level).join(Track, Track.id == Level.track_id)
            .where(Level.company_id == actor.company_id)
            .options(joinedload(Level.track))
            .order_by(Level.ladder_id, Track.position, Level.position)
        )
    }
    within: Counter[int | None] = Counter()
    outside: Counter[int | None] = Counter()
    flagged: list[Flagged] = []
    for person_id, name, start in rows:
        level_id = level_of.get(person_id)
        level = levels.get(level_id)
        years = years_since(start, today)
        band = level.band_position(years) if level else None
        if band in ("below", "above"):
            outside[level_id] += 1
            flagged.append(Flagged(person_id, name, level, years, band))
        else:
            within[level_id] += 1
    return Distribution(
        bars=_bars(levels, within, outside),
        people=len(rows),
        flagged=sorted(flagged, key=lambda f: (f.name, f.person_id))[:FLAGGED_SHOWN],
        flagged_total=len(flagged),
    )


def _bars(levels: dict[int, Level], within: Counter, outside: Counter) -> list[Bar]:
    keys: list[int | None] = list(levels)
    if within[None] or outside[None]:
        keys.append(None)
    peak = max([within[k] + outside[k] for k in keys] + [1])
    bars = []
    for index, key in enumerate(keys):
        level = levels.get(key)
        label = f"{level.code} {level.title}" if level else "No level yet"
        bars.append(Bar(
            label=label if len(label) <= 34 else label[:33] + "…",
            kind=level.track.kind if level else "none",
            within=within[key], outside=outside[key], y=index * ROW_HEIGHT + 5,
            within_width=round(within[key] / peak * BAR_WIDTH, 1),
            outside_width=round(outside[key] / peak * BAR_WIDTH, 1),
        ))
    return bars
