"""Editing a ladder's draft (HR): ladder, tracks, levels, competencies and expectations.

Every save carries the revision the form was opened at; a stale one is refused with what
changed since (read from the audit trail), so two HR users never overwrite each other. Each
change is written to the audit log against the ladder, with the values before and after.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm.attributes import flag_modified

from .. import audit
from ..audit import AuditEvent
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..people.models import Person
from ..people.service import assign_level
from ..versioning import flush_or_refuse
from .editors import check_editor
from .models import TRACK_KINDS, Competency, Expectation, Ladder, Level, Track
from .sync import people_on

LEVEL_FIELDS = ("code", "title", "grade", "min_years", "max_years", "summary",
                "responsibilities", "skills")


class StaleEdit(DomainError):
    """The form was opened at an older revision; ``changes`` say who changed what since."""

    def __init__(self, what: str, changes: list[str], current_revision: int):
        detail = " ".join(changes) or "Its values changed."
        super().__init__(
            f"Someone saved this {what} after you opened it, so your save was refused and "
            f"nothing was overwritten. {detail} Check the form against the current values "
            "and save again to apply your version.")
        self.changes = changes
        self.current_revision = current_revision


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(value) or "(empty)"
    return "(open-ended)" if value is None else repr(value) if value != "" else "(empty)"


def _check_revision(ladder: Ladder, obj, key: str, submitted, what: str) -> None:
    try:
        seen = int(submitted)
    except (TypeError, ValueError):
        seen = -1
    if seen == obj.revision:
        return
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "Ladder",
                                 AuditEvent.target_id == ladder.id)
        .order_by(AuditEvent.id)
    )
    changes: list[str] = []
    people: dict[int, str] = {}
    for event in events:
        after = event.after or {}
        if after.get(key) != obj.id or (after.get("revision") or 0) <= seen:
            continue
        if event.actor_id not in people:
            actor = db.session.get(Person, event.actor_id) if event.actor_id else None
            people[event.actor_id] = actor.name if actor else "The system"
        for field, new in after.get("changed", {}).items():
            old = (event.before or {}).get("changed", {}).get(field)
            changes.append(f"{people[event.actor_id]} changed {field.replace('_', ' ')} "
                           f"from {_show(old)} to {_show(new)}.")
    raise StaleEdit(what, changes, obj.revision)


def _save(ladder: Ladder, obj, key: str, values: dict[str, Any], actor, action: str,
          also: tuple[dict, dict] | None = None) -> None:
    """Apply ``values`` to ``obj``, flush (the version counter guards the race between the
    check and the write) and audit only the fields that changed. ``also`` adds changes made
    elsewhere (expectation cells) that must bump the revision too."""
    before = {f: getattr(obj, f) for f in values if getattr(obj, f) != values[f]}
    after = {f: values[f] for f in before}
    for field, value in values.items():
        setattr(obj, field, value)
    if also and also[1]:
        before.update(also[0])
        after.update(also[1])
        flag_modified(obj, next(iter(values)))  # an UPDATE, so the version counter moves
    flush_or_refuse(obj, lambda current: StaleEdit(
        key.removesuffix("_id"), ["Someone saved it at the same moment."], current))
    audit.record(actor, action, ladder,
                 before={key: obj.id, "changed": before},
                 after={key: obj.id, "revision": obj.revision, "changed": after})


def update_ladder(actor, ladder: Ladder, name: str, description: str, revision) -> None:
    check_editor(actor, ladder.company_id)
    _check_revision(ladder, ladder, "ladder_id", revision, "ladder")
    name = name.strip()
    if not name:
        raise DomainError("Give the ladder a name.", "name")
    clash = db.session.scalar(select(Ladder.id).where(
        Ladder.company_id == ladder.company_id, Ladder.name == name, Ladder.id != ladder.id))
    if clash:
        raise DomainError(f"Another ladder is already called {name!r}.", "name")
    _save(ladder, ladder, "ladder_id", {"name": name, "description": description.strip()},
          actor, "ladder.update")


def update_track(actor, track: Track, name: str, kind: str, revision) -> None:
    check_editor(actor, track.company_id)
    ladder = track.ladder
    _check_revision(ladder, track, "track_id", revision, "track")
    name = name.strip()
    if kind not in TRACK_KINDS:
        raise DomainError("Choose a kind of track.", "kind")
    if not name:
        raise DomainError("Give the track a name.", "name")
    if any(t.name == name and t.id != track.id for t in ladder.tracks):
        raise DomainError(f"This ladder already has a track called {name!r}.", "name")
    _save(ladder, track, "track_id", {"name": name, "kind": kind}, actor, "track.update")


def _check_level(track: Track, values: dict[str, Any], level: Level | None) -> None:
    if not values["code"]:
        raise DomainError("Give the level a code, e.g. P3.", "code")
    if not values["title"]:
        raise DomainError("Give the level a title.", "title")
    if values["min_years"] < 0:
        raise DomainError("Years cannot be negative.", "min_years")
    if values["max_years"] is not None and values["max_years"] < values["min_years"]:
        raise DomainError("The most years must be at least the fewest years.", "max_years")
    if values["grade"] is not None and values["grade"] < 0:
        raise DomainError("A grade is 0 or more.", "grade")
    others = [lv for t in track.ladder.tracks for lv in t.levels if lv is not level]
    if any(lv.code == values["code"] for lv in others):
        raise DomainError(f"Another level of this ladder has the code {values['code']}.", "code")
    if any(lv.title == values["title"] and lv.track_id == track.id for lv in others):
        raise DomainError(f"Another level of this track is called {values['title']!r}.", "title")


def update_level(actor, level: Level, values: dict[str, Any], revision) -> None:
    check_editor(actor, level.company_id)
    ladder = level.track.ladder
    _check_revision(ladder, level, "level_id", revision, "level")
    _check_level(level.track, values, level)
    _save(ladder, level, "level_id", {f: values[f] for f in LEVEL_FIELDS}, actor, "level.update")


def add_level(actor, track: Track, values: dict[str, Any], after: Level | None) -> Level:
    """Insert a level on ``track`` right above ``after`` (or at the bottom when None)."""
    check_editor(actor, track.company_id)
    _check_level(track, values, None)
    live = track.levels
    position = live.index(after) + 1 if after in live else 0
    for other in live[position:]:
        other.position += 1
    level = Level(company_id=track.company_id, ladder_id=track.ladder_id, position=position,
                  **{f: values[f] for f in LEVEL_FIELDS})
    track.all_levels.append(level)
    db.session.flush()
    audit.record(actor, "level.add", track.ladder,
                 after={"level_id": level.id, "track": track.name,
                        **{f: values[f] for f in LEVEL_FIELDS}})
    return level


def _reorder(items: list, item, step: int | None, noun: str, name) -> tuple[list, list]:
    """Swap ``item`` with its neighbour ``step`` places away and renumber the positions.
    Returns the order before and after, as names, for the audit log."""
    index = items.index(item)
    if step is None or not 0 <= index + step < len(items):
        raise DomainError(f"This {noun} cannot move further that way.")
    before = [name(entry) for entry in items]
    items[index], items[index + step] = items[index + step], items[index]
    for position, entry in enumerate(items):
        entry.position = position
    db.session.flush()
    return before, [name(entry) for entry in items]


def move_level(actor, level: Level, direction: str) -> None:
    check_editor(actor, level.company_id)
    # Levels are listed top of the ladder first, so "up" is a higher position.
    step = {"up": 1, "down": -1}.get(direction)
    before, after = _reorder(level.track.levels, level, step, "level", lambda lv: lv.code)
    audit.record(actor, "level.reorder", level.track.ladder,
                 before={"level_id": level.id, "order": before},
                 after={"level_id": level.id, "order": after})


def delete_level(actor, level: Level, move_to: Level | None, today) -> int:
    """Archive ``level``; people holding it are first moved to ``move_to``. Returns how many."""
    check_editor(actor, level.company_id)
    ladder = level.track.ladder
    holders = people_on([level.id], level.company_id).get(level.id, 0)
    if holders and move_to is None:
        raise DomainError(f"{holders} people hold {level.code}; choose the level to move them to.",
                          "move_to")
    moved = 0
    if holders:
        if move_to.id == level.id or move_to.archived or move_to.ladder_id != level.ladder_id:
            raise DomainError("Choose another live level of this ladder.", "move_to")
        from ..people.service import current_assignments_subquery

        current = current_assignments_subquery(level.company_id, today)
        ids = list(db.session.scalars(select(current.c.person_id)
                                      .where(current.c.level_id == level.id)))
        if actor.id in ids:
            # Nobody changes their own level, not even by deleting it from under themselves.
            raise DomainError(f"You hold {level.code}: someone else must move you to another "
                              "level before it can go.", "move_to")
        for person in db.session.scalars(select(Person).where(Person.id.in_(ids))):
            # The acting HR decides each move, through the one check every level change passes.
            try:
                assign_level(actor, person, move_to, today,
                             f"{level.code} was removed from the ladder")
            except NotAllowed:
                raise
            except DomainError as error:
                raise DomainError(error.message, "move_to") from error
            moved += 1
    level.archived = True
    for position, item in enumerate(lv for lv in level.track.levels if lv is not level):
        item.position = position
    db.session.flush()
    audit.record(actor, "level.delete", ladder,
                 before={"level_id": level.id, "code": level.code, "title": level.title},
                 after={"level_id": level.id, "archived": True,
                        "moved_to": move_to.code if moved else None, "people_moved": moved})
    return moved


def _key_for(ladder: Ladder, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:50] or "competency"
    base = base if base[0].isalpha() else f"c_{base}"
    taken = {c.key for c in ladder.competencies}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def add_competency(actor, ladder: Ladder, name: str, description: str) -> Competency:
    check_editor(actor, ladder.company_id)
    name = name.strip()
    if any(c.name == name for c in ladder.competencies):
        raise DomainError(f"This ladder already has a competency called {name!r}.", "name")
    competency = Competency(company_id=ladder.company_id, key=_key_for(ladder, name), name=name,
                            description=description.strip(), position=len(ladder.competencies))
    ladder.competencies.append(competency)
    db.session.flush()
    audit.record(actor, "competency.add", ladder,
                 after={"competency_id": competency.id, "name": name, "key": competency.key})
    return competency


def update_competency(actor, competency: Competency, name: str, description: str,
                      texts: dict[int, str], revision) -> None:
    """Rename/describe a competency and set its expectation on every level (the grid)."""
    check_editor(actor, competency.company_id)
    ladder = competency.ladder
    _check_revision(ladder, competency, "competency_id", revision, "competency")
    name = name.strip()
    if any(c.name == name and c.id != competency.id for c in ladder.competencies):
        raise DomainError(f"This ladder already has a competency called {name!r}.", "name")
    levels = {lv.id: lv for t in ladder.tracks for lv in t.levels}
    current = {e.level_id: e for e in db.session.scalars(select(Expectation).where(
        Expectation.competency_id == competency.id, Expectation.level_id.in_(levels)))}
    before, after = {}, {}
    for level_id, text in texts.items():
        if level_id not in levels:
            continue
        text, old = text.strip(), current[level_id].text if level_id in current else ""
        if text == old:
            continue
        cell = f"expectation at {levels[level_id].code}"
        before[cell], after[cell] = old, text
        if level_id in current and text:
            current[level_id].text = text
        elif level_id in current:
            db.session.execute(delete(Expectation).where(Expectation.id == current[level_id].id))
        else:
            db.session.add(Expectation(company_id=ladder.company_id, level_id=level_id,
                                       competency_id=competency.id, text=text))
    values = {"name": name, "description": description.strip()}
    _save(ladder, competency, "competency_id", values, actor, "competency.update",
          also=(before, after))


def move_competency(actor, competency: Competency, direction: str) -> None:
    check_editor(actor, competency.company_id)
    step = {"up": -1, "down": 1}.get(direction)
    before, after = _reorder(list(competency.ladder.competencies), competency, step,
                             "competency", lambda c: c.key)
    audit.record(actor, "competency.reorder", competency.ladder,
                 before={"competency_id": competency.id, "order": before},
                 after={"competency_id": competency.id, "order": after})


def set_retired(actor, competency: Competency, retired: bool) -> None:
    check_editor(actor, competency.company_id)
    before = competency.retired
    competency.retired = retired
    db.session.flush()
    audit.record(actor, "competency.retire" if retired else "competency.reinstate",
                 competency.ladder, before={"competency_id": competency.id, "retired": before},
                 after={"competency_id": competency.id, "retired": retired})


def band_warnings(tracks: list[Track]) -> list[str]:
    """Years bands that overlap or go backwards along a track: allowed, but worth a look."""
    warnings = []
    for track in tracks:
        live = track.levels
        for lower, upper in zip(live, live[1:], strict=False):
            if upper.min_years < lower.min_years:
                warnings.append(f"{track.name}: {upper.code} starts at fewer years "
                                f"({upper.min_years}) than {lower.code} ({lower.min_years}).")
            elif lower.max_years is not None and upper.min_years < lower.max_years:
                # an open-ended band below is left alone: "12+" then "15+" is the usual shape
                warnings.append(f"{track.name}: {upper.code} ({upper.years_label}) overlaps "
                                f"{lower.code} ({lower.years_label}).")
    return warnings
