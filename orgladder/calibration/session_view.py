"""The session page: every entry of the session the viewer may see, the charts, the 9-box,
the outliers, and one page of the table, filtered and sorted as the query string asks. A fixed
number of queries whatever the size of the session; the charts need every entry, so sorting and
filtering happen on the loaded rows, and only the page's rows are rendered. What is computed
from the entries (``SessionFigures``) is kept until the company's data or entries change, so
a view that follows another only filters, sorts and pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from ..computed import computed
from ..ladders.models import Level
from ..ladders.service import company_levels
from ..paging import Page
from ..people.directory import ManagerChoice
from ..people.models import Person, years_since
from . import analytics
from .models import CalibrationCycle, CalibrationSession
from .queries import ladder_levels, last_promotions, visible_session_entries

SORTS = ("name", "manager", "current", "proposed", "performance", "potential")


@dataclass(frozen=True)
class TableFilter:
    manager_id: int | None = None
    level_id: int | None = None
    track_id: int | None = None
    rating: int | None = None
    sort: str = "name"
    descending: bool = False

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.manager_id, self.level_id, self.track_id,
                                           self.rating))


@dataclass(frozen=True)
class LevelShown:
    """A level as the kept figures hold it: plain values, which no later commit can expire."""

    id: int
    code: str
    title: str
    track_id: int

    @classmethod
    def of(cls, level: Level) -> LevelShown:
        return cls(level.id, level.code, level.title, level.track_id)


@dataclass(frozen=True)
class TrackShown:
    id: int
    name: str


@dataclass
class Row(analytics.EntryRow):
    """A table row: the entry's levels, what changed in the session, and its flags."""

    current: LevelShown | None = None
    proposed: LevelShown | None = None
    changed: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class SessionFigures:
    """What the page computes from every entry the viewer may see. It is kept
    (``orgladder.computed``) per viewer and day at the company's revisions: filtering, sorting
    and paging start from it again, and the next change of the company's data or entries
    computes it afresh."""

    rows: list[Row]  # by name
    rated: int
    changed: int
    rating_chart: analytics.PairChart
    level_chart: analytics.PairChart
    nine_box: analytics.NineBox
    outliers: list[analytics.Outlier]
    managers: list[ManagerChoice]
    levels: list[LevelShown]  # the live levels proposed to someone, for the filter
    tracks: list[TrackShown]
    order: dict[int, int]  # level id -> position in the ladder, for sorting by level
    _html: Markup | None = field(default=None, repr=False)

    def html(self, render: Callable[[], str]) -> Markup:
        """The charts, 9-box and flags as HTML, rendered on first use and kept with the figures
        they draw: besides those, they show only the session's id and its cycle's scales,
        which the key and the company's revisions cover."""
        if self._html is None:
            self._html = Markup(render())
        return self._html

    @property
    def people(self) -> int:
        return len(self.rows)

    @property
    def size(self) -> int:  # what it weighs among the kept results
        return len(self.rows)


@dataclass
class SessionView:
    session: CalibrationSession
    cycle: CalibrationCycle
    figures: SessionFigures
    table: Page[Row]
    filters: TableFilter


def _sort_key(sort: str, order: dict[int | None, int]):
    missing = 10**6  # people without a value sort last going up

    def key(row: Row):
        name = (row.name.lower(), row.person_id)
        if sort == "manager":
            return (row.manager_name.lower() if row.manager_name else "~", name)
        if sort in ("current", "proposed"):
            level_id = row.current_level_id if sort == "current" else row.proposed_level_id
            return (order.get(level_id, missing), name)
        if sort in ("performance", "potential"):
            value = getattr(row, sort)
            return (value if value is not None else missing, name)
        return name

    return key


def _keep(row: Row, filters: TableFilter) -> bool:
    return ((filters.manager_id is None or row.manager_id == filters.manager_id)
            and (filters.level_id is None or row.proposed_level_id == filters.level_id)
            and (filters.track_id is None
                 or (row.proposed is not None and row.proposed.track_id == filters.track_id))
            and (filters.rating is None or row.performance == filters.rating))


def session_figures(viewer: Person, session: CalibrationSession,
                    today: date) -> SessionFigures:
    cycle = session.cycle
    levels = company_levels(cycle.company_id)
    shown = {level_id: LevelShown.of(level) for level_id, level in levels.items()}
    rows = []
    for read in visible_session_entries(viewer, cycle, session.id):
        row = Row(*read[:len(analytics.ENTRY_COLUMNS)], name=read.name,
                  years=years_since(read.profession_start, today),
                  manager_name=read.manager_name)
        row.current = shown.get(row.current_level_id)
        row.proposed = shown.get(row.proposed_level_id)
        row.changed = row.changed_in_session()
        rows.append(row)
    promoted = last_promotions(levels, [r.person_id for r in rows
                                        if analytics.proposes_promotion(r, levels)], today)
    found = analytics.outliers(cycle, rows, levels, promoted, today)
    by_entry = {row.id: row for row in rows}
    for outlier in found:
        if outlier.entry is not None:
            by_entry[outlier.entry.id].flags.append(outlier.kind)
        else:
            for row in rows:
                if row.manager_id == outlier.manager_id:
                    row.flags.append(outlier.kind)
    live = ladder_levels(cycle, levels)
    referenced = {r.current_level_id for r in rows} | {r.proposed_level_id for r in rows}
    managers = {r.manager_id: ManagerChoice(r.manager_id, r.manager_name)
                for r in rows if r.manager_id is not None}
    present = {r.proposed_level_id for r in rows}
    return SessionFigures(
        rows=rows,
        rated=sum(1 for r in rows if r.performance is not None),
        changed=sum(1 for r in rows if r.changed),
        rating_chart=analytics.rating_chart(cycle, rows),
        level_chart=analytics.level_chart(
            [lv for lv in levels.values() if lv in live or lv.id in referenced],
            rows),
        nine_box=analytics.nine_box(cycle, rows),
        outliers=found,
        managers=sorted(managers.values(), key=lambda p: (p.name, p.id)),
        levels=[shown[lv.id] for lv in live if lv.id in present],
        tracks=list({lv.track.id: TrackShown(lv.track.id, lv.track.name) for lv in live
                     if lv.id in present}.values()),
        order={level_id: index for index, level_id in enumerate(levels)},
    )


def session_view(viewer: Person, session: CalibrationSession, filters: TableFilter,
                 page: int = 1, per_page: int = 50, today: date | None = None) -> SessionView:
    today = today or date.today()
    figures = computed(viewer.company, ("calibration session", session.id, viewer.id, today),
                       lambda: session_figures(viewer, session, today))
    shown = sorted((r for r in figures.rows if _keep(r, filters)),
                   key=_sort_key(filters.sort, figures.order), reverse=filters.descending)
    return SessionView(session=session, cycle=session.cycle, figures=figures,
                       table=Page.of(shown, page, per_page), filters=filters)
