"""Domain objects as the API shows them. Reads go through the same services as the pages
(``ladder_view``/``draft_view``/``published``, ``level_profile``, ``list_people``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..ladders.models import Competency, LadderVersion, Level
from ..ladders.service import LadderView, expectations_for
from ..ladders.versions import PublishedLadder
from ..ladders.visibility import visible_ladder
from ..people.models import Person
from .schemas.ladders import (
    CompetencyOut,
    Equivalence,
    LadderOut,
    LevelOut,
    TrackOut,
)
from .schemas.people import PersonOut, ScopedGrantOut


def level_out(level: Level, texts: dict[int, str], keys: dict[int, str]) -> LevelOut:
    return LevelOut(
        id=level.id, code=level.code, title=level.title, track_id=level.track_id,
        position=level.position, grade=level.grade, min_years=level.min_years,
        max_years=level.max_years, summary=level.summary or "",
        responsibilities=list(level.responsibilities or []), skills=list(level.skills or []),
        expectations={keys[cid]: text for cid, text in texts.items() if text and cid in keys},
    )


def ladder_out(view: LadderView, state: str, version: LadderVersion | None) -> LadderOut:
    keys = {c.id: c.key for c in view.ladder.competencies}
    tracks = [
        TrackOut(id=track.id, name=track.name, kind=track.kind, position=position,
                 levels=[level_out(lv, view.expectations.get(lv.id, {}), keys)
                         for lv in track.levels])
        for position, track in enumerate(view.tracks)
    ]
    competencies = [
        CompetencyOut(id=c.id, key=c.key, name=c.name, description=c.description or "",
                      position=position, retired=bool(c.retired))
        for position, c in enumerate(view.competencies)
    ]
    equivalences = [
        Equivalence(grade=int(row.grade), level_ids=[cell.id for cell in row.cells if cell])
        for row in view.rows
        if row.grade == int(row.grade) and sum(1 for cell in row.cells if cell) > 1
    ]
    return LadderOut(
        id=view.ladder.id, name=view.ladder.name, description=view.ladder.description or "",
        state=state, version=version.number if version else None,
        published_at=version.published_at if version else None,
        tracks=tracks, competencies=competencies, equivalences=equivalences,
    )


class LevelWording:
    """Levels as people read them (``ladders.visibility``): the wording of the latest published
    version where the level is published, the row of a level since removed from the ladder,
    nothing for a level that exists only in a draft. The same rule as the level profile pages;
    a constant number of queries per ladder, whatever the number of people."""

    def __init__(self, actor: Person):
        self.actor = actor
        self._published: dict[int, PublishedLadder] = {}
        self._draft_texts: dict[int, dict[int, str]] = {}
        self._draft_keys: dict[int, dict[int, str]] = {}

    def shown(self, ladder_id: int) -> PublishedLadder:
        if ladder_id not in self._published:
            self._published[ladder_id] = visible_ladder(self.actor, ladder_id)
        return self._published[ladder_id]

    def prepare(self, levels: list[Level]) -> None:
        """Read the expectations of the unpublished ones among ``levels`` in two queries."""
        unpublished = [lv for lv in levels if lv.archived
                       and lv.id not in self.shown(lv.ladder_id).level_by_id
                       and lv.id not in self._draft_texts]
        if not unpublished:
            return
        self._draft_texts.update(expectations_for([lv.id for lv in unpublished]))
        ladders = {lv.ladder_id for lv in unpublished}
        keys: dict[int, dict[int, str]] = defaultdict(dict)
        for ladder_id, cid, key in db.session.execute(
            select(Competency.ladder_id, Competency.id, Competency.key)
            .where(Competency.ladder_id.in_(ladders))
        ):
            keys[ladder_id][cid] = key
        self._draft_keys.update(keys)
        for level in unpublished:
            self._draft_texts.setdefault(level.id, {})

    def level(self, level: Level) -> tuple[Level | None, LevelOut | None]:
        shown = self.shown(level.ladder_id)
        if level.id in shown.level_by_id:
            wording = shown.level_by_id[level.id]
            keys = {c.id: c.key for c in shown.view.ladder.competencies}
            return wording, level_out(wording, shown.view.expectations.get(wording.id, {}), keys)
        if not level.archived:
            return None, None
        self.prepare([level])
        return level, level_out(level, self._draft_texts[level.id],
                                self._draft_keys.get(level.ladder_id, {}))


def person_out(person: Person, level: Level | None, since: date | None,
               wording: LevelWording, today: date | None = None) -> PersonOut:
    years = person.years_of_experience(today)
    shown, level_body = wording.level(level) if level is not None else (None, None)
    return PersonOut(
        id=person.id, email=person.email, name=person.name, manager_id=person.manager_id,
        roles=person.roles,
        grants=[ScopedGrantOut(role=g.role, scope_manager_id=g.scope_root_id)
                for g in sorted(person.grants, key=lambda g: (g.role, g.scope_root_id or 0))
                if g.scope_root_id is not None],
        active=person.active, level=level_body, level_since=since,
        years_of_experience=years, band=shown.band_position(years) if shown else None,
        profession_start=person.profession_start,
    )
