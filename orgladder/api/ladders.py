"""Ladders, their tracks and levels: read (draft for HR, published for everyone), create,
and PATCH the draft through the ladder studio's services (``ladders.editing``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import Permission, has_permission, requires
from ..extensions import db
from ..ladders import catalog, editing
from ..ladders.models import Ladder, LadderVersion, Level, Track
from ..ladders.service import LadderView
from ..ladders.visibility import visible_ladder, visible_ladders
from ..tenancy import get_in_company_or_404
from . import bp
from .errors import ApiError
from .io import json_body, json_response, query_args, require_if_match
from .openapi import operation
from .pagination import paged_response, paginate_list
from .represent import ladder_out
from .schemas.common import PageQuery
from .schemas.ladders import (
    LadderCreate,
    LadderOut,
    LadderPage,
    LadderPatch,
    LadderSummary,
    LadderViewQuery,
    LevelOut,
    LevelPatch,
    TrackOut,
    TrackPatch,
)

STALE = (editing.StaleEdit,)


@dataclass
class Shown:
    view: LadderView
    state: str
    version: LadderVersion | None

    def body(self) -> LadderOut:
        return ladder_out(self.view, self.state, self.version)


def shown_ladder(ladder_id: int, state: str | None = None) -> Shown:
    """The ladder as the caller reads it: HR the draft unless asking for the published
    version, everyone else the latest published version (404 before the first one)."""
    drafts = has_permission(current_user, Permission.VIEW_LADDER_DRAFTS)
    state = state or ("draft" if drafts else "published")
    if state == "draft":
        if not drafts:
            get_in_company_or_404(Ladder, ladder_id, current_user)
            raise ApiError(403, "Only HR reads a ladder's draft; ask for view=published.")
        shown = visible_ladder(current_user, ladder_id, draft=True)
        return Shown(shown.view, "draft", shown.version)
    shown = visible_ladder(current_user, ladder_id)
    if shown.view is None:
        raise ApiError(404, "This ladder has no published version yet.")
    return Shown(shown.view, "published", shown.version)


def _requested_state() -> str | None:
    return query_args(LadderViewQuery).view


def track_body(shown: Shown, track_id: int) -> TrackOut:
    track = next((t for t in shown.body().tracks if t.id == track_id), None)
    if track is None:
        raise ApiError(404, "This ladder has no such track.")
    return track


def level_body(shown: Shown, level_id: int) -> LevelOut:
    level = next((lv for t in shown.body().tracks for lv in t.levels if lv.id == level_id), None)
    if level is None:
        raise ApiError(404, "This ladder has no such level.")
    return level


def _stale(error: Exception) -> ApiError:
    return ApiError(412, str(error), kind="stale")


@bp.get("/ladders")
@requires(Permission.VIEW_LADDER)
@operation("List the company's ladders (HR: every ladder; others: the published ones)",
           tag="ladders", response=LadderPage, query=PageQuery, paginated=True)
def list_all_ladders():
    paging = query_args(PageQuery)
    items = [
        LadderSummary(id=ladder.id, name=ladder.name, description=ladder.description,
                      version=ladder.version.number if ladder.version else None,
                      published_at=ladder.version.published_at if ladder.version else None)
        for ladder in visible_ladders(current_user, drafts=True)
    ]
    page, window = paginate_list(items, paging)
    return paged_response(LadderPage, page, window)


@bp.post("/ladders")
@requires(Permission.MANAGE_LADDERS)
@operation("Create a ladder (a draft) from the default ladder, a copy, or empty",
           tag="ladders", response=LadderOut, status=201, body=LadderCreate, etag=True,
           location=True)
def create_ladder():
    data = json_body(LadderCreate)
    source = None
    if data.copy_from is not None:
        source = db.session.scalar(select(Ladder).where(
            Ladder.id == data.copy_from, Ladder.company_id == current_user.company_id))
    ladder = catalog.create_ladder(current_user, data.name, data.source, source)
    db.session.commit()
    return json_response(shown_ladder(ladder.id, "draft").body(), 201, etag=True,
                         headers={"Location": url_for("api.get_ladder", ladder_id=ladder.id)})


@bp.get("/ladders/<int:ladder_id>")
@requires(Permission.VIEW_LADDER)
@operation("Read a ladder with its tracks, levels, years, competencies, expectations and "
           "equivalences", tag="ladders", response=LadderOut, query=LadderViewQuery,
           etag=True)
def get_ladder(ladder_id: int):
    return json_response(shown_ladder(ladder_id, _requested_state()).body(), etag=True)


@bp.patch("/ladders/<int:ladder_id>")
@requires(Permission.MANAGE_LADDERS)
@operation("Rename or describe a ladder's draft", tag="ladders", response=LadderOut,
           body=LadderPatch, etag=True, if_match=True, errors=(409,))
def patch_ladder(ladder_id: int):
    shown = shown_ladder(ladder_id, "draft")
    data = json_body(LadderPatch)
    require_if_match(shown.body())
    ladder = shown.view.ladder
    given = data.model_fields_set
    try:
        editing.update_ladder(
            current_user, ladder, data.name if "name" in given else ladder.name,
            data.description if "description" in given else ladder.description or "",
            ladder.revision)
    except STALE as error:
        raise _stale(error) from None
    db.session.commit()
    return json_response(shown_ladder(ladder_id, "draft").body(), etag=True)


@bp.get("/ladders/<int:ladder_id>/tracks/<int:track_id>")
@requires(Permission.VIEW_LADDER)
@operation("Read one track of a ladder, with its levels", tag="ladders", response=TrackOut,
           query=LadderViewQuery, etag=True)
def get_track(ladder_id: int, track_id: int):
    return json_response(track_body(shown_ladder(ladder_id, _requested_state()), track_id),
                         etag=True)


@bp.patch("/ladders/<int:ladder_id>/tracks/<int:track_id>")
@requires(Permission.MANAGE_LADDERS)
@operation("Rename a track of a ladder's draft or change its kind", tag="ladders",
           response=TrackOut, body=TrackPatch, etag=True, if_match=True, errors=(409,))
def patch_track(ladder_id: int, track_id: int):
    shown = shown_ladder(ladder_id, "draft")
    current = track_body(shown, track_id)
    data = json_body(TrackPatch)
    require_if_match(current)
    track: Track = next(t for t in shown.view.tracks if t.id == track_id)
    try:
        editing.update_track(current_user, track, data.name or track.name,
                             data.kind or track.kind, track.revision)
    except STALE as error:
        raise _stale(error) from None
    db.session.commit()
    return json_response(track_body(shown_ladder(ladder_id, "draft"), track_id), etag=True)


@bp.get("/ladders/<int:ladder_id>/levels/<int:level_id>")
@requires(Permission.VIEW_LADDER)
@operation("Read one level of a ladder, with its expectations", tag="ladders",
           response=LevelOut, query=LadderViewQuery, etag=True)
def get_level(ladder_id: int, level_id: int):
    return json_response(level_body(shown_ladder(ladder_id, _requested_state()), level_id),
                         etag=True)


def _lines(items: list[str]) -> list[str]:
    return [item.strip() for item in items if item.strip()]


@bp.patch("/ladders/<int:ladder_id>/levels/<int:level_id>")
@requires(Permission.MANAGE_LADDERS)
@operation("Change a level of a ladder's draft: code, title, grade, years, summary, "
           "responsibilities, skills, expectations", tag="ladders", response=LevelOut,
           body=LevelPatch, etag=True, if_match=True, errors=(409,))
def patch_level(ladder_id: int, level_id: int):
    shown = shown_ladder(ladder_id, "draft")
    current = level_body(shown, level_id)
    data = json_body(LevelPatch)
    require_if_match(current)
    level: Level = next(lv for t in shown.view.tracks for lv in t.levels if lv.id == level_id)
    values = {name: getattr(level, name) for name in editing.LEVEL_FIELDS}
    for name in data.model_fields_set & set(editing.LEVEL_FIELDS):
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        elif isinstance(value, list):
            value = _lines(value)
        values[name] = value
    competencies = {c.key: c for c in shown.view.competencies}
    texts = data.expectations if "expectations" in data.model_fields_set else {}
    unknown = sorted(set(texts) - set(competencies))
    if unknown:
        raise ApiError(422, "This ladder has no competency with that key.", kind="invalid-input",
                       errors=[{"field": f"expectations.{key}", "message": "names no competency"}
                               for key in unknown])
    try:
        if data.model_fields_set & set(editing.LEVEL_FIELDS):
            editing.update_level(current_user, level, values, level.revision)
        for key, text in texts.items():
            # The competency's own edit, as on its grid page, for this level's cell only.
            competency = competencies[key]
            editing.update_competency(current_user, competency, competency.name,
                                      competency.description or "", {level.id: text},
                                      competency.revision)
    except STALE as error:
        raise _stale(error) from None
    db.session.commit()
    return json_response(level_body(shown_ladder(ladder_id, "draft"), level_id), etag=True)
