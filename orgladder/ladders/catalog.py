"""A company's ladders: creating one (default template, copy, empty), adding tracks, and
moving ladders in and out as files."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..people.models import Person
from .document import (
    FORMAT,
    FORMAT_VERSION,
    LadderDocumentError,
    Problem,
    checked,
    parse,
    to_csv,
    to_json,
    to_yaml,
    without_ids,
)
from .editors import check_editor
from .models import TRACK_KINDS, Ladder, Level, Track
from .sync import apply_document
from .template import build_ladder, default_ladder_data
from .versions import draft_document

SOURCES = ("default", "copy", "empty")


def _free_name(company_id: int, name: str) -> None:
    if db.session.scalar(select(Ladder.id).where(Ladder.company_id == company_id,
                                                 Ladder.name == name)):
        raise DomainError(f"Your company already has a ladder called {name!r}.", "name")


def create_ladder(actor: Person, name: str, source: str, copy_from: Ladder | None) -> Ladder:
    """A new ladder (its draft; nobody else sees it until it is published)."""
    check_editor(actor, None)
    name = name.strip()
    if not name:
        raise DomainError("Give the ladder a name.", "name")
    _free_name(actor.company_id, name)
    if source == "default":
        document = default_ladder_data()
    elif source == "copy":
        if copy_from is None or copy_from.company_id != actor.company_id:
            raise DomainError("Choose the ladder to copy.", "copy_from")
        document = without_ids(draft_document(copy_from))
    elif source == "empty":
        document = {"format": FORMAT, "format_version": FORMAT_VERSION, "name": name,
                    "competencies": [], "tracks": []}
    else:
        raise DomainError("Choose where the ladder starts from.", "source")
    document["name"] = name
    ladder = build_ladder(actor.company_id, document)
    db.session.flush()
    audit.record(actor, "ladder.create", ladder,
                 after={"name": name, "source": source,
                        "copied_from": copy_from.id if source == "copy" and copy_from else None})
    return ladder


def import_new(actor: Person, raw: bytes, filename: str) -> Ladder:
    """A new ladder from an uploaded file; a faulty file changes nothing."""
    check_editor(actor, None)
    document = parse(raw, filename)
    if db.session.scalar(select(Ladder.id).where(Ladder.company_id == actor.company_id,
                                                 Ladder.name == document["name"])):
        raise LadderDocumentError([Problem("name", f"your company already has a ladder called "
                                                   f"{document['name']!r}")])
    ladder = build_ladder(actor.company_id, document)
    db.session.flush()
    audit.record(actor, "ladder.import", ladder,
                 after={"file": filename, "document": without_ids(document)})
    return ladder


def import_into_draft(actor: Person, ladder: Ladder, raw: bytes, filename: str) -> None:
    """Replace the draft with an uploaded file, matching by id (then code) so levels keep
    their identity; a faulty file, or one that drops a level people hold, changes nothing."""
    check_editor(actor, ladder.company_id)
    document = parse(raw, filename)
    if document["name"] != ladder.name:
        _free_name(ladder.company_id, document["name"])
    before = draft_document(ladder)
    foreign = _foreign_ids(ladder, document)
    if foreign:
        document = copy.deepcopy(document)
        for item in foreign:
            item.pop("id")
    try:
        apply_document(ladder, document)
    except DomainError as error:
        raise LadderDocumentError([Problem("tracks", error.message)]) from None
    audit.record(actor, "ladder.import_draft", ladder,
                 before={"document": before}, after={"file": filename, "document": document})


def _foreign_ids(ladder: Ladder, document: dict[str, Any]) -> list[dict]:
    """Items whose id names a row of another ladder: matched by name or code instead."""
    own_tracks = {t.id for t in ladder.tracks}
    own_levels = {lv.id for t in ladder.tracks for lv in t.all_levels}
    own_competencies = {c.id for c in ladder.competencies}
    foreign = [c for c in document.get("competencies") or []
               if c.get("id") is not None and c["id"] not in own_competencies]
    for track in document.get("tracks") or []:
        if track.get("id") is not None and track["id"] not in own_tracks:
            foreign.append(track)
        foreign += [lv for lv in track.get("levels") or []
                    if lv.get("id") is not None and lv["id"] not in own_levels]
    return foreign


EXPORTERS = {
    "json": ("application/json", to_json),
    "yaml": ("application/yaml", to_yaml),
    "csv": ("text/csv", to_csv),
}


def export(document: dict[str, Any], fmt: str) -> tuple[str, str]:
    """(mimetype, body) of a document in ``fmt``; the body re-imports to the same ladder."""
    if fmt not in EXPORTERS:
        raise DomainError("Export as json, yaml or csv.", "format")
    mimetype, write = EXPORTERS[fmt]
    return mimetype, write(checked(document))


def add_track(actor: Person, ladder: Ladder, name: str, kind: str, start: Level | None,
              code: str, title: str) -> Track:
    """A new track whose first level is equivalent to ``start`` (same grade), e.g. a
    management track that begins beside P4."""
    check_editor(actor, ladder.company_id)
    name, code, title = name.strip(), code.strip(), title.strip()
    if kind not in TRACK_KINDS:
        raise DomainError("Choose a kind of track.", "kind")
    if any(t.name == name for t in ladder.tracks):
        raise DomainError(f"This ladder already has a track called {name!r}.", "name")
    if start is not None and (start.ladder_id != ladder.id or start.archived):
        raise DomainError("Choose a level of this ladder.", "start_level")
    if any(lv.code == code for t in ladder.tracks for lv in t.levels):
        raise DomainError(f"Another level of this ladder has the code {code}.", "code")
    grade = start.grade if start is not None else 1
    track = Track(company_id=ladder.company_id, name=name, kind=kind,
                  position=len(ladder.tracks))
    ladder.tracks.append(track)
    level = Level(company_id=ladder.company_id, ladder_id=ladder.id, code=code, title=title,
                  position=0, grade=grade,
                  min_years=start.min_years if start is not None else 0,
                  max_years=start.max_years if start is not None else None)
    track.all_levels.append(level)
    db.session.flush()
    audit.record(actor, "track.add", ladder,
                 after={"track_id": track.id, "name": name, "kind": kind,
                        "first_level": code, "grade": grade})
    return track
