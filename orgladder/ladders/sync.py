"""Bring a ladder's draft in line with a ladder document (restore a version, import into the
draft) without breaking identity: tracks, levels and competencies are matched by id first,
then by name/code/key, updated in place, and a level that leaves the ladder is archived, never
deleted, so assignments and published versions keep pointing at it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select

from ..errors import DomainError
from ..extensions import db
from ..people.service import current_assignments_subquery
from .models import Competency, Expectation, Ladder, Level, Track


def people_on(level_ids: list[int], company_id: int) -> dict[int, int]:
    """How many people currently hold each of the given levels."""
    if not level_ids:
        return {}
    current = current_assignments_subquery(company_id, date.today())
    rows = db.session.execute(
        select(current.c.level_id, db.func.count())
        .where(current.c.level_id.in_(level_ids))
        .group_by(current.c.level_id)
    )
    return {level_id: count for level_id, count in rows}


def _match(ids: dict, item_id, by_name: dict, name):
    found = ids.get(item_id) if item_id is not None else None
    if found is None:
        found = by_name.get(name)
    if found is not None:
        ids.pop(found.id, None)
        by_name.pop(next((k for k, v in by_name.items() if v is found), None), None)
    return found


def apply_document(ladder: Ladder, doc: dict[str, Any]) -> None:
    """Make the draft of ``ladder`` equal ``doc`` (already validated). Raises DomainError and
    changes nothing when a level people hold would have to go."""
    company_id = ladder.company_id
    all_levels = [lv for track in ladder.tracks for lv in track.all_levels]
    level_ids = {lv.id: lv for lv in all_levels}
    level_codes = {lv.code: lv for lv in all_levels if not lv.archived}
    archived_codes = {lv.code: lv for lv in all_levels if lv.archived}

    # Work out the level matches first, so a refusal happens before anything changes.
    plan: list[tuple[Track | None, dict, int, list[tuple[Level | None, dict]]]] = []
    track_ids = {t.id: t for t in ladder.tracks}
    track_names = {t.name: t for t in ladder.tracks}
    for position, track_doc in enumerate(doc.get("tracks") or []):
        track = _match(track_ids, track_doc.get("id"), track_names, track_doc["name"])
        levels = []
        for level_doc in track_doc.get("levels") or []:
            level = _match(level_ids, level_doc.get("id"), level_codes, level_doc["code"])
            if level is None:
                level = archived_codes.pop(level_doc["code"], None)
                if level is not None:
                    level_ids.pop(level.id, None)
            levels.append((level, level_doc))
        plan.append((track, track_doc, position, levels))
    leaving = [lv for lv in level_codes.values() if lv.id in level_ids]
    held = people_on([lv.id for lv in leaving], company_id)
    if held:
        codes = ", ".join(sorted(lv.code for lv in leaving if lv.id in held))
        raise DomainError(f"People hold {codes}; move them to another level before it goes.")

    # Free the unique codes and titles first, so swaps and renames never collide mid-flush.
    for level in all_levels:
        if level in leaving:
            level.archived = True
        elif not level.archived:
            level.code, level.title = f"~{level.id}", f"~{level.id}"
    for track in ladder.tracks:
        track.name = f"~{track.id}"
    for competency in ladder.competencies:
        competency.key = f"~{competency.id}"
    db.session.flush()

    ladder.name = doc["name"]
    ladder.description = doc.get("description") or ""
    competencies = _apply_competencies(ladder, doc.get("competencies") or [])
    spare = len(doc.get("tracks") or [])
    for track in ladder.tracks:  # tracks the document drops keep their archived levels
        if track not in [p[0] for p in plan]:
            track.name, track.position, spare = f"Former track {track.id}", spare, spare + 1
    for track, track_doc, position, levels in plan:
        if track is None:
            track = Track(company_id=company_id, ladder=ladder)
            db.session.add(track)
        track.name, track.kind = track_doc["name"], track_doc.get("kind", "ic")
        track.position = position
        for level_position, (level, level_doc) in enumerate(levels):
            if level is None:
                level = Level(company_id=company_id, ladder=ladder)
                db.session.add(level)
            level.track = track
            _apply_level(level, level_doc, level_position)
            level.expectation_doc = level_doc.get("expectations") or {}
    db.session.flush()
    _apply_expectations(ladder, competencies)


def _apply_competencies(ladder: Ladder, docs: list[dict]) -> dict[str, Competency]:
    ids = {c.id: c for c in ladder.competencies}
    by_key: dict[str, Competency] = {}
    result: dict[str, Competency] = {}
    for position, item in enumerate(docs):
        competency = ids.pop(item.get("id"), None) if item.get("id") is not None else None
        if competency is None:
            competency = Competency(company_id=ladder.company_id)
            ladder.competencies.append(competency)
        competency.key, competency.name = item["key"], item["name"]
        competency.description = item.get("description") or ""
        competency.retired = bool(item.get("retired", False))
        competency.position = position
        result[competency.key] = competency
        by_key[competency.key] = competency
    for offset, competency in enumerate(ids.values(), start=len(docs)):
        # Absent from the document: retired, not deleted, so older versions still read well.
        competency.key, competency.retired, competency.position = (
            f"former_{competency.id}", True, offset)
    return result


def _apply_level(level: Level, doc: dict, position: int) -> None:
    level.archived = False
    level.code, level.title = doc["code"], doc["title"]
    level.position, level.grade = position, doc.get("grade")
    level.min_years, level.max_years = doc.get("min_years", 0), doc.get("max_years")
    level.summary = doc.get("summary") or ""
    level.responsibilities = list(doc.get("responsibilities") or [])
    level.skills = list(doc.get("skills") or [])


def _apply_expectations(ladder: Ladder, competencies: dict[str, Competency]) -> None:
    live = [lv for track in ladder.tracks for lv in track.all_levels
            if hasattr(lv, "expectation_doc")]
    if live:
        db.session.execute(delete(Expectation).where(
            Expectation.level_id.in_([lv.id for lv in live])))
    for level in live:
        for key, text in level.expectation_doc.items():
            if text:
                db.session.add(Expectation(company_id=ladder.company_id, level_id=level.id,
                                           competency_id=competencies[key].id, text=text))
        del level.expectation_doc
    db.session.flush()
    db.session.expire(ladder)
    for track in ladder.tracks:
        db.session.expire(track, ["all_levels"])
