"""What a session looks at: the rating distribution against its target, the proposed levels,
the 9-box, the outliers, and the table. Computed here from loaded entries (no query); the
templates only draw it (charts as server-rendered SVG, like the level distribution)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from ..ladders.models import Level
from ..people.history import classify
from .models import CalibrationCycle, EntryValues
from .scales import BANDS, band

ROW, LABEL_WIDTH, BAR_WIDTH = 34, 230, 380  # SVG user units
NAMES_PER_BOX = 12
# A manager's average this far from the session's (as a share of the scale's span) is flagged:
# 0.8 points on a 1-5 scale.
FAR_FROM_AVERAGE = 0.2
FAR_YEARS = 2  # years outside the proposed level's typical band
RECENT_PROMOTION = timedelta(days=365)


@dataclass
class EntryRow(EntryValues):
    """An entry as the session page reads it: its values as plain columns (the page reads
    every entry of the session, and entry objects cost a third of it), with the names it shows
    beside it."""

    id: int
    person_id: int
    manager_id: int | None
    current_level_id: int | None
    proposed_level_id: int | None
    performance: int | None
    potential: int | None
    promotion_ready: bool
    original_level_id: int | None
    original_performance: int | None
    original_potential: int | None
    original_promotion_ready: bool | None
    originals_frozen: bool
    name: str  # the person's
    years: float | None  # the person's years of experience
    manager_name: str | None


# The entry's own columns an EntryRow starts with, in its order; the names and years follow.
ENTRY_COLUMNS = tuple(f.name for f in fields(EntryRow)
                      if f.name not in ("name", "years", "manager_name"))


@dataclass(frozen=True)
class PairRow:
    """One row of a chart: a solid bar (what is) above an outlined one (what to compare to)."""

    label: str
    y: int
    first_width: float
    first_text: str
    second_width: float | None
    second_text: str


@dataclass
class PairChart:
    title: str
    first_name: str
    second_name: str
    rows: list[PairRow]
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    row_height: int = ROW

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * ROW + 8

    @property
    def description(self) -> str:
        return " ".join(f"{row.label}: {row.first_text}"
                        + (f", {self.second_name.lower()} {row.second_text}."
                           if row.second_width is not None else ".") for row in self.rows)


def _short(label: str) -> str:
    return label if len(label) <= 32 else label[:31] + "…"


def _pair_rows(items: list[tuple[str, float, str, float | None, str]]) -> list[PairRow]:
    peak = max([first for _, first, _, _, _ in items]
               + [second for *_, second, _ in items if second is not None] + [1e-9])
    return [PairRow(_short(label), index * ROW + 4, round(first / peak * BAR_WIDTH, 1),
                    first_text,
                    None if second is None else round(second / peak * BAR_WIDTH, 1),
                    second_text)
            for index, (label, first, first_text, second, second_text) in enumerate(items)]


def rating_chart(cycle: CalibrationCycle, rows: list[EntryRow]) -> PairChart:
    counts = Counter(r.performance for r in rows if r.performance is not None)
    rated = sum(counts.values())
    target = cycle.target_distribution
    items = []
    for value, name in enumerate(cycle.rating_scale, start=1):
        share = counts[value] / rated * 100 if rated else 0.0
        goal = float(target[value - 1]) if target else None
        items.append((f"{value} · {name}", share, f"{counts[value]} ({share:.0f}%)", goal,
                      f"{goal:.0f}%" if goal is not None else ""))
    return PairChart("Ratings against the target", "Share of people",
                     "Target" if target else "", _pair_rows(items))


def level_chart(levels: list[Level], rows: list[EntryRow]) -> PairChart:
    proposed = Counter(r.proposed_level_id for r in rows)
    current = Counter(r.current_level_id for r in rows)
    shown = [lv for lv in levels if proposed[lv.id] or current[lv.id]]
    items = [(f"{lv.code} {lv.title}", float(proposed[lv.id]), str(proposed[lv.id]),
              float(current[lv.id]), str(current[lv.id])) for lv in shown]
    if proposed[None] or current[None]:
        items.append(("No level", float(proposed[None]), str(proposed[None]),
                      float(current[None]), str(current[None])))
    return PairChart("Proposed levels", "Proposed", "Now", _pair_rows(items))


@dataclass
class Box:
    performance: int  # 0 low, 1 moderate, 2 high
    potential: int
    entries: list[EntryRow] = field(default_factory=list)

    @property
    def shown(self) -> list[EntryRow]:
        return self.entries[:NAMES_PER_BOX]

    @property
    def more(self) -> int:
        return max(0, len(self.entries) - NAMES_PER_BOX)

    @property
    def label(self) -> str:
        return f"{BANDS[self.performance]} performance, {BANDS[self.potential]} potential"


@dataclass
class NineBox:
    rows: list[list[Box]]  # highest potential first; performance low to high within a row
    unplaced: int
    performance_notes: list[str]  # which ratings fall in each third, low to high
    potential_notes: list[str]

    @property
    def bands(self) -> tuple[str, ...]:
        return BANDS


def _thirds(scale: list[str], numbers: bool) -> list[str]:
    notes = []
    for third in range(3):
        values = [v for v in range(1, len(scale) + 1) if band(v, len(scale)) == third]
        if not values:
            notes.append("—")
        elif numbers:
            notes.append(f"rated {values[0]}–{values[-1]}" if len(values) > 1
                         else f"rated {values[0]}")
        else:
            notes.append(" / ".join(scale[v - 1] for v in values))
    return notes


def nine_box(cycle: CalibrationCycle, rows: list[EntryRow]) -> NineBox:
    boxes = {(perf, pot): Box(perf, pot) for perf in range(3) for pot in range(3)}
    unplaced = 0
    for row in rows:
        if row.performance is None or row.potential is None:
            unplaced += 1
            continue
        key = (band(row.performance, len(cycle.rating_scale)),
               band(row.potential, len(cycle.potential_scale)))
        boxes[key].entries.append(row)
    return NineBox([[boxes[(perf, pot)] for perf in range(3)] for pot in (2, 1, 0)], unplaced,
                   _thirds(cycle.rating_scale, True), _thirds(cycle.potential_scale, False))


@dataclass(frozen=True)
class Outlier:
    kind: str  # manager_average, years_band, recent_promotion
    message: str
    entry: EntryRow | None = None
    manager_id: int | None = None


def _average(values: list[int]) -> float:
    return sum(values) / len(values)


def proposes_promotion(row: EntryRow, levels: dict[int, Level]) -> bool:
    current, proposed = levels.get(row.current_level_id), levels.get(row.proposed_level_id)
    return (current is not None and proposed is not None
            and classify(current, proposed) == "promotion")


def outliers(cycle: CalibrationCycle, rows: list[EntryRow], levels: dict[int, Level],
             promoted_on: dict[int, date], today: date) -> list[Outlier]:
    """The flags to discuss. ``promoted_on`` holds the last promotion of at least everyone
    whose entry proposes one (``proposes_promotion``): nobody else can be flagged for it."""
    found: list[Outlier] = []
    rated = [r for r in rows if r.performance is not None]
    if rated:
        overall = _average([r.performance for r in rated])
        far = FAR_FROM_AVERAGE * (len(cycle.rating_scale) - 1)
        by_manager: dict[int, list[EntryRow]] = defaultdict(list)
        for row in rated:
            if row.manager_id is not None:
                by_manager[row.manager_id].append(row)
        for manager_id, team in sorted(by_manager.items(),
                                       key=lambda item: item[1][0].manager_name or ""):
            mean = _average([r.performance for r in team])
            if len(team) >= 2 and abs(mean - overall) >= far:
                found.append(Outlier(
                    "manager_average",
                    f"{team[0].manager_name}'s {len(team)} reports average {mean:.1f}; the "
                    f"session averages {overall:.1f}.", manager_id=manager_id))
    for row in rows:
        years = row.years
        proposed = levels.get(row.proposed_level_id)
        if proposed is None:
            continue
        if years is not None and (years < proposed.min_years - FAR_YEARS or (
                proposed.max_years is not None and years > proposed.max_years + FAR_YEARS)):
            found.append(Outlier(
                "years_band", f"{row.name}: {proposed.code} proposed (typically "
                f"{proposed.years_label}) with {years} years of experience.", row))
        last = promoted_on.get(row.person_id)
        if (proposes_promotion(row, levels)
                and last is not None and today - last < RECENT_PROMOTION):
            found.append(Outlier(
                "recent_promotion", f"{row.name}: promotion to {proposed.code} "
                f"proposed, last promoted on {last:%-d %B %Y}.", row))
    return found
