"""Draft and publish: HR edits the live rows (the draft); publishing freezes them into an
immutable numbered ``LadderVersion``. Everyone else reads the latest published version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from .. import audit
from ..actors import SYSTEM_SETUP, Actor, is_system
from ..errors import DomainError
from ..extensions import db
from ..people.models import Person
from ..tenancy import get_in_company_or_404, parse_id
from .document import ladder_document
from .editors import check_editor
from .models import Competency, Ladder, LadderVersion, Level, Track
from .service import LadderView, align_rows, expectations_for, load_ladder
from .sync import apply_document


def draft_document(ladder: Ladder) -> dict[str, Any]:
    level_ids = [lv.id for track in ladder.tracks for lv in track.levels]
    return ladder_document(ladder, expectations_for(level_ids))


def latest_version(ladder_id: int, with_document: bool = True) -> LadderVersion | None:
    query = (select(LadderVersion).where(LadderVersion.ladder_id == ladder_id)
             .order_by(LadderVersion.number.desc()).limit(1))
    if not with_document:
        query = query.options(defer(LadderVersion.document))
    return db.session.scalar(query)


def latest_versions(ladder_ids: list[int]) -> dict[int, LadderVersion]:
    """The latest version of each ladder, in one query."""
    if not ladder_ids:
        return {}
    newest = (
        select(LadderVersion.ladder_id, func.max(LadderVersion.number).label("number"))
        .where(LadderVersion.ladder_id.in_(ladder_ids)).group_by(LadderVersion.ladder_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(LadderVersion).join(newest, (LadderVersion.ladder_id == newest.c.ladder_id)
                                   & (LadderVersion.number == newest.c.number))
    )
    return {version.ladder_id: version for version in rows}


def list_versions(ladder: Ladder) -> list[LadderVersion]:
    return list(db.session.scalars(
        select(LadderVersion).where(LadderVersion.ladder_id == ladder.id)
        .options(selectinload(LadderVersion.published_by))
        .order_by(LadderVersion.number.desc())
    ))


def get_version(ladder: Ladder, number) -> LadderVersion:
    """A version of ``ladder`` by number; an unknown number is a DomainError."""
    number = parse_id(number)
    version = number and db.session.scalar(
        select(LadderVersion).where(LadderVersion.ladder_id == ladder.id,
                                    LadderVersion.number == number))
    if not version:
        raise DomainError("There is no such version of this ladder.", "version")
    return version


def publish(actor: Actor, ladder: Ladder, summary: str) -> LadderVersion:
    """Freeze the draft as the next version. Company-wide HR, or the company's setup (which
    publishes the default ladder it creates)."""
    check_editor(actor, ladder.company_id, SYSTEM_SETUP)
    summary = (summary or "").strip()
    if not is_system(actor) and not summary:
        raise DomainError("Say in a line what changed; the version history shows it.", "summary")
    document = draft_document(ladder)
    latest = latest_version(ladder.id)
    if latest is not None and latest.document == document:
        raise DomainError(f"The draft is the same as version {latest.number}; nothing to publish.",
                          "summary")
    version = LadderVersion(
        company_id=ladder.company_id, ladder_id=ladder.id,
        number=(latest.number if latest else 0) + 1, summary=summary, document=document,
        published_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "ladder.publish", ladder,
                 after={"version": version.number, "summary": summary})
    return version


def restore(actor: Person, ladder: Ladder, version: LadderVersion) -> None:
    """Bring version ``version`` back into the draft, matching levels by id."""
    check_editor(actor, ladder.company_id)
    before = draft_document(ladder)
    apply_document(ladder, version.document)
    audit.record(actor, "ladder.restore", ladder,
                 before={"document": before}, after={"restored_version": version.number,
                                                     "document": version.document})


@dataclass
class PublishedLadder:
    """The ladder as employees see it, built from a version's document, plus that version."""

    view: LadderView | None
    version: LadderVersion | None
    level_by_id: dict[int, Level]


def view_of_document(ladder: Ladder, document: dict[str, Any]) -> tuple[LadderView, dict]:
    """Transient (never added to the session) model objects rebuilt from a document, so the
    pages render a published version exactly like the draft."""
    shown = Ladder(id=ladder.id, company_id=ladder.company_id, name=document["name"],
                   description=document.get("description", ""))
    by_key: dict[str, Competency] = {}
    for position, item in enumerate(document.get("competencies") or []):
        competency = Competency(id=item.get("id"), key=item["key"], name=item["name"],
                                description=item.get("description", ""), position=position,
                                retired=item.get("retired", False))
        shown.competencies.append(competency)
        by_key[competency.key] = competency
    expectations: dict[int, dict[int, str]] = {}
    levels: dict[int, Level] = {}
    for position, item in enumerate(document.get("tracks") or []):
        track = Track(id=item.get("id"), name=item["name"], kind=item.get("kind", "ic"),
                      position=position)
        shown.tracks.append(track)
        for level_position, data in enumerate(item.get("levels") or []):
            level = Level(
                id=data.get("id"), ladder_id=ladder.id, company_id=ladder.company_id,
                track_id=track.id,  # transient objects get no foreign keys from a flush
                code=data["code"], title=data["title"], grade=data.get("grade"),
                position=level_position, min_years=data.get("min_years", 0),
                max_years=data.get("max_years"), summary=data.get("summary", ""),
                responsibilities=data.get("responsibilities") or [],
                skills=data.get("skills") or [], archived=False,
            )
            track.all_levels.append(level)
            levels[level.id] = level
            expectations[level.id] = {by_key[k].id: text
                                      for k, text in (data.get("expectations") or {}).items()}
    tracks = list(shown.tracks)
    view = LadderView(ladder=shown, tracks=tracks,
                      competencies=[c for c in shown.competencies if not c.retired],
                      rows=align_rows(tracks), expectations=expectations)
    return view, levels


def published(actor: Person, ladder_id) -> PublishedLadder:
    """The latest published version of a ladder of the actor's company (two queries, plus one
    the first time this process shows that version)."""
    ladder = get_in_company_or_404(Ladder, ladder_id, actor)
    version = latest_version(ladder.id, with_document=False)
    if version is None:
        return PublishedLadder(None, None, {})
    view, levels = _published_view(version.id, version.published_at)
    return PublishedLadder(view, version, levels)


def version_view(version: LadderVersion) -> tuple[LadderView, dict[int, Level]]:
    """The view of a published version and its levels by id, built once per process."""
    return _published_view(version.id, version.published_at)


@lru_cache(maxsize=256)
def _published_view(version_id: int, published_at: datetime) -> tuple[LadderView, dict]:
    """A published version never changes, so each process builds its view once: reading the
    document and rebuilding its objects was a third of an employee's "my level" page. Callers
    only read the view. The publication time is in the key because a rolled-back transaction
    can hand the same id to another version (SQLite reuses them)."""
    version = db.session.get(LadderVersion, version_id)
    ladder = db.session.get(Ladder, version.ladder_id)
    return view_of_document(ladder, version.document)


def draft_view(actor: Person, ladder_id) -> LadderView:
    ladder = load_ladder(actor, ladder_id)
    tracks = list(ladder.tracks)
    return LadderView(ladder=ladder, tracks=tracks, competencies=list(ladder.competencies),
                      rows=align_rows([t for t in tracks if t.levels]),
                      expectations=expectations_for([lv.id for t in tracks for lv in t.levels]))
