"""The level distribution of a team (or everyone in scope) as a server-rendered bar chart, and
the people whose years of experience fall outside their level's typical band (information,
not a verdict). Two queries whatever the size of the org (a third for a page past the end of
the list)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    null,
    select,
    union_all,
)

from ..access import scope_clause
from ..computed import computed
from ..extensions import db
from ..ladders.models import Level, band_position
from ..ladders.service import company_levels
from ..ladders.visibility import published_levels
from ..paging import Page
from .models import Person, years_since
from .service import with_current_level

ROW_HEIGHT = 26
LABEL_WIDTH = 230
BAR_WIDTH = 380


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
    """A person outside their level's band, in plain values (a distribution is kept between
    requests, where no level object could be read)."""

    person_id: int
    name: str
    level_code: str
    level_title: str
    typical_years: str  # the level's years_label
    years: float
    band: str


@dataclass
class Distribution:
    bars: list[Bar]
    people: int
    flagged: Page[Flagged]

    @property
    def size(self) -> int:  # what it weighs when kept (orgladder.computed)
        return len(self.bars) + len(self.flagged.rows)

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + 10

    label_width = LABEL_WIDTH
    bar_width = BAR_WIDTH
    row_height = ROW_HEIGHT


def level_distribution(actor: Person, root: Person | None = None, today: date | None = None,
                       page: int = 1, per_page: int = 50) -> Distribution:
    """The chart of the people in the actor's scope (or under ``root``), and one page of those
    outside their level's band, by name. Kept until the company's data changes: the count
    reads everyone in scope (20,000 people: 35-60 ms)."""
    today = today or date.today()
    key = ("level distribution", actor.id, root.id if root else None, page, per_page, today)
    return computed(actor.company, key,
                    lambda: _level_distribution(actor, root, today, page, per_page),
                    reads_entries=False)


def _level_distribution(actor: Person, root: Person | None, today: date, page: int,
                        per_page: int) -> Distribution:
    levels = charted_levels(actor.company_id)
    charted = select(Person.id, Person.name, Person.profession_start).where(
        scope_clause(actor), Person.id != actor.id, Person.active.is_(True))
    if root is not None:
        charted = charted.where(Person.path_within(root.path), Person.id != root.id)
    placed = with_current_level(charted, today)
    banded = select(
        placed.c.level_id, placed.c.id, placed.c.name, placed.c.profession_start,
        _band(placed.c.level_id, placed.c.profession_start, levels.values(), today).label("band"),
    ).cte("banded")
    # One pass over the people and their levels gives the count of each level (None: no level
    # yet) and band, and one page of the people outside their band: a few dozen rows, not
    # 20,000. Only a page past the end of the list asks again, for the last page.
    counts = select(banded.c.level_id, banded.c.band, null(), null(), null(),
                    func.count().label("count")).group_by(banded.c.level_id, banded.c.band)
    page = max(1, page)
    rows = db.session.execute(union_all(_flagged_page(banded, page, per_page), counts)).all()
    within: Counter[int | None] = Counter()
    outside: Counter[int | None] = Counter()
    listed = []
    for row in rows:
        if row.count is None:
            listed.append(row)
        else:
            (within if row.band == "within" else outside)[row.level_id] += row.count
    shown = Page.within(page, per_page, outside.total())
    if shown != page:
        listed = db.session.execute(_flagged_page(banded, shown, per_page)).all()
    listed = [Flagged(row.id, row.name, levels[row.level_id].code, levels[row.level_id].title,
                      levels[row.level_id].years_label, years_since(row.profession_start, today),
                      row.band) for row in listed if row.level_id in levels]
    return Distribution(
        bars=_bars(levels, within, outside),
        people=within.total() + outside.total(),
        flagged=Page(listed, shown, per_page, outside.total()),
    )


def charted_levels(company_id: int) -> dict[int, Level]:
    """The levels the chart shows, in ladder order: each published one in its published
    wording (and years band), and those removed from a ladder as they were; none that exists
    only in a draft (``visibility``)."""
    published = published_levels(company_id)
    return {level_id: published.get(level_id, level)
            for level_id, level in company_levels(company_id).items()
            if level_id in published or level.archived}


def _flagged_page(banded: CTE, page: int, per_page: int) -> Select:
    """One page of the people outside their band, by name, in the columns of the counts they
    come beside; their count is None."""
    outside = (select(banded.c.level_id, banded.c.band, banded.c.id, banded.c.name,
                      banded.c.profession_start)
               .where(banded.c.band != "within").order_by(banded.c.name, banded.c.id)
               .limit(per_page).offset((page - 1) * per_page).subquery("outside"))
    return select(*outside.c, null().label("count"))


def _band(level_id: ColumnElement, start: ColumnElement, levels: Iterable[Level],
          today: date) -> ColumnElement[str]:
    """Level.band_position of years_since(start) as SQL: "above", "below" or "within"."""
    whens = [
        (and_(level_id == level.id, condition), band)
        for level in levels
        for condition, band in _outside_band(level, start, today)
    ]
    return case(*whens, else_="within") if whens else literal("within")


def _outside_band(level: Level, start: ColumnElement, today: date
                  ) -> list[tuple[ColumnElement[bool], str]]:
    """The conditions on a profession start date that put a person above and below the level's
    band on ``today``: years of experience only fall as the start moves later, so each side of
    the band is one date comparison."""
    above_before, below_from = _band_edges(level.min_years, level.max_years, today)
    conditions = []
    if above_before is not None:
        conditions.append((start < above_before, "above"))
    if below_from is not None:
        conditions.append((start >= below_from, "below"))
    return conditions


@lru_cache(maxsize=1024)
def _band_edges(min_years: int, max_years: int | None, today: date
                ) -> tuple[date | None, date | None]:
    """The first start date that is not above the band, and the first that is below it (None:
    no such side). Found by bisecting over days with the band rule itself, so both databases
    agree with Level.band_position to the day, roundings included. They change once a day, and
    bisecting took 2 ms of every chart, so they are kept."""
    days = range(1, today.toordinal() + 2)  # date.min to tomorrow; later starts count as 0 years

    def band(day: int) -> str | None:
        return band_position(years_since(date.fromordinal(day), today), min_years, max_years)

    not_above = bisect_left(days, True, key=lambda day: band(day) != "above")
    below = bisect_left(days, True, key=lambda day: band(day) == "below")
    return (date.fromordinal(days[not_above]) if 0 < not_above < len(days) else None,
            date.fromordinal(days[below]) if below < len(days) else None)


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
