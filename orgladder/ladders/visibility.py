"""The one rule for reading ladders: only HR editing a draft sees the draft.

HR (``Permission.VIEW_LADDER_DRAFTS``) reads a ladder's draft on the studio's pages, which ask
for it (``draft=True``). Everyone else, and every page that is not the studio (the people
table and its filters, the level distribution, the assign form, a person's level, the API's
people and levels), reads the latest published version. Pages and the API never choose a
version themselves: they call these functions.

Published wording comes as transient model objects rebuilt from the version's document
(``versions.view_of_document``), kept between requests: callers only read them, and never put
one into the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from ..access import Permission, has_permission
from ..computed import computed
from ..errors import NotAllowed
from ..extensions import db
from ..people.models import Person
from ..tenancy import Company
from .models import LadderVersion, Level
from .service import LadderView, LevelChoice, TrackChoice, list_ladders
from .versions import (
    PublishedLadder,
    draft_view,
    latest_version,
    latest_versions,
    published,
    version_view,
)


def visible_ladder(actor: Person, ladder_id, *, draft: bool = False) -> PublishedLadder:
    """The version of a ladder of the actor's company that the actor reads: its draft when
    the studio asks (HR only; anyone else is refused), else the latest published version
    (``view`` None before the first one)."""
    if not draft:
        return published(actor, ladder_id)
    if not has_permission(actor, Permission.VIEW_LADDER_DRAFTS):
        raise NotAllowed("Only HR reads a ladder's draft.")
    view = draft_view(actor, ladder_id)
    return PublishedLadder(view, latest_version(view.ladder.id, with_document=False),
                           {level.id: level for track in view.tracks for level in track.levels})


@dataclass(frozen=True)
class ShownLadder:
    """A ladder as the ladder lists show it: as published, or (HR only) as its draft while it
    has never been published."""

    id: int
    name: str
    description: str
    version: LadderVersion | None


def visible_ladders(actor: Person, *, drafts: bool = False) -> list[ShownLadder]:
    """The company's ladders by name, as published; HR also sees those never published yet,
    by their draft's name (the ladder list is not the studio: a draft rename shows there
    only). ``drafts``: HR asks for every ladder as its draft (the API's list for HR)."""
    ladders = list_ladders(actor)
    latest = latest_versions([ladder.id for ladder in ladders])
    reads_drafts = has_permission(actor, Permission.VIEW_LADDER_DRAFTS)
    shown = []
    for ladder in ladders:
        version = latest.get(ladder.id)
        if reads_drafts and (drafts or version is None):
            shown.append(ShownLadder(ladder.id, ladder.name, ladder.description or "", version))
        elif version is not None:
            shown.append(ShownLadder(ladder.id, version.document["name"],
                                     version.document.get("description") or "", version))
    return sorted(shown, key=lambda item: (item.name, item.id))


def published_views(company_id: int) -> list[LadderView]:
    """The latest published version of each of the company's ladders, by name, kept until
    the company's data changes (a publication changes it)."""
    company = db.session.get(Company, company_id)  # the signed-in person's: no query
    return computed(company, ("published views",), lambda: _published_views(company_id),
                    reads_entries=False)


def _published_views(company_id: int) -> list[LadderView]:
    newest = (select(LadderVersion.ladder_id, func.max(LadderVersion.number).label("number"))
              .where(LadderVersion.company_id == company_id)
              .group_by(LadderVersion.ladder_id).subquery())
    versions = db.session.scalars(
        select(LadderVersion).join(newest, (LadderVersion.ladder_id == newest.c.ladder_id)
                                   & (LadderVersion.number == newest.c.number))
        .options(defer(LadderVersion.document)))
    views = [version_view(version)[0] for version in versions]
    return sorted(views, key=lambda view: (view.ladder.name, view.ladder.id))


def published_levels(company_id: int) -> dict[int, Level]:
    """Every level of the company's published ladders, by id, as published, in ladder order
    (ladder name, track, position)."""
    return {level.id: level for view in published_views(company_id)
            for track in view.tracks for level in track.levels}


def published_track_choices(actor: Person) -> list[TrackChoice]:
    """The tracks and levels of the published ladders, for the people pages' filters."""
    return [TrackChoice(view.ladder.id, view.ladder.name, track.id, track.name,
                        [LevelChoice(level.id, level.code, level.title) for level in track.levels])
            for view in published_views(actor.company_id) for track in view.tracks]


def is_published(level: Level) -> bool:
    """Is ``level`` in the latest published version of its ladder? Read fresh from the
    version's document (one query), not from kept views: assigning a level depends on it."""
    version = latest_version(level.ladder_id)
    return version is not None and any(
        item.get("id") == level.id
        for track in version.document.get("tracks") or [] for item in track.get("levels") or [])


def shown_level(level: Level | None, published: dict[int, Level]) -> Level | None:
    """A person's level as people read it: the published wording (``published``: the
    company's ``published_levels``); a level since removed from the ladder (archived) as it
    was; nothing for a level that exists only in a draft."""
    if level is None:
        return None
    wording = published.get(level.id)
    if wording is not None:
        return wording
    return level if level.archived else None

