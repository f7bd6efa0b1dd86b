"""The years chart of the ladder page: every track's levels as bands on one years axis, so
both paths read at a glance. Geometry is computed here; the template only draws it (SVG)."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Track

WIDTH, LABEL, LANE, BAR = 720, 150, 26, 20  # SVG user units


@dataclass
class Bar:
    code: str
    title: str
    years: str
    x: float
    y: float
    width: float
    open_ended: bool


@dataclass
class Lane:
    name: str
    kind: str
    y: float


@dataclass
class YearsAxis:
    lanes: list[Lane]
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    height: float
    width: int = WIDTH
    left: int = LABEL


def years_axis(tracks: list[Track]) -> YearsAxis:
    levels = [lv for track in tracks for lv in track.levels]
    top = max([lv.max_years or lv.min_years + 3 for lv in levels] or [10]) + 2
    scale = (WIDTH - LABEL - 10) / top
    lanes, bars, y = [], [], 24.0
    for track in tracks:
        lanes.append(Lane(track.name, track.kind, y))
        for level in track.levels:
            y += LANE
            end = level.max_years if level.max_years is not None else top
            bars.append(Bar(level.code, level.title, level.years_label,
                            round(LABEL + level.min_years * scale, 1), y,
                            round(max((end - level.min_years) * scale, 4), 1),
                            level.max_years is None))
        y += LANE + 6
    step = 5 if top > 20 else 2
    ticks = [(round(LABEL + years * scale, 1), years) for years in range(0, top + 1, step)]
    return YearsAxis(lanes, bars, ticks, y + 6)
