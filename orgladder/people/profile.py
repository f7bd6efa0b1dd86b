"""A person's level profile: current level, its expectations, years band, and next steps."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from ..ladders.models import Competency, Level, Track
from ..ladders.visibility import published_levels, shown_level, visible_ladder
from .gap import GapRow, gap
from .history import HistoryEntry, level_history
from .models import LevelAssignment, Person


@dataclass
class NextStep:
    track: Track
    level: Level
    relation: str  # "next" on the same track, "equivalent" or "entry" on another track
    gap: list[GapRow] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(1 for row in self.gap if row.changed)


@dataclass
class LevelProfile:
    person: Person
    years: float | None
    assignment: LevelAssignment | None = None
    level: Level | None = None
    competencies: list[Competency] = field(default_factory=list)
    expectations: dict[int, str] = field(default_factory=dict)
    next_steps: list[NextStep] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def band(self) -> str | None:
        return self.level.band_position(self.years) if self.level else None


def next_steps(level: Level, tracks: list[Track]) -> list[NextStep]:
    """The next level on the person's own track, and the way onto every other track: the
    equivalent level where there is one, else the track's first level above this grade."""
    steps: list[NextStep] = []
    for track in tracks:
        if track.id == level.track_id:
            later = [lv for lv in track.levels if lv.position > level.position]
            if later:
                steps.append(NextStep(track, later[0], "next"))
            continue
        if level.grade is None:
            continue
        equivalent = [lv for lv in track.levels if lv.grade == level.grade]
        if equivalent:
            steps.append(NextStep(track, equivalent[0], "equivalent"))
            continue
        above = [lv for lv in track.levels if lv.grade is not None and lv.grade > level.grade]
        if above:
            steps.append(NextStep(track, above[0], "entry"))
    return steps


def level_profile(viewer: Person, person: Person, today: date | None = None) -> LevelProfile:
    """Built from a constant number of queries. ``viewer`` must already be allowed to see
    ``person``; the ladder is loaded through the viewer's company."""
    today = today or date.today()
    profile = LevelProfile(person=person, years=person.years_of_experience(today),
                           history=level_history(person, today))
    # The history holds every assignment, newest first: the first one in force is the current
    # one (the rule of current_assignment, without a second query).
    assignment = next((entry.assignment for entry in profile.history if not entry.scheduled),
                      None)
    if assignment is None:
        return profile
    level = assignment.level
    # People read the published ladder (ladders.visibility), never a draft: a level removed
    # from the ladder shows as it was, without next steps; one that exists only in a draft
    # shows as no level at all.
    shown = visible_ladder(viewer, level.ladder_id)
    # A decision about a level no version has published yet names draft content: left out.
    published = published_levels(person.company_id)
    profile.history = [replace(entry, published_level=wording)
                       for entry in profile.history
                       if (wording := shown_level(entry.assignment.level, published)) is not None]
    profile.assignment = assignment
    if level.id in shown.level_by_id:
        level = shown.level_by_id[level.id]
        competencies = shown.view.competencies
        steps = next_steps(level, shown.view.tracks)
        texts = shown.view.expectations
    elif level.archived:
        competencies, steps, texts = [], [], {}
    else:
        return profile
    profile.level = level
    profile.competencies = competencies
    profile.expectations = texts.get(level.id, {})
    for step in steps:
        step.gap = gap(competencies, profile.expectations, texts.get(step.level.id, {}))
    profile.next_steps = steps
    return profile
