"""The default ladder ships as data (``default_ladder.yaml``); new companies get a copy."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..extensions import db
from .document import checked
from .models import Competency, Expectation, Ladder, Level, Track


@cache
def _default_text() -> str:
    return resources.files(__package__).joinpath("default_ladder.yaml").read_text("utf-8")


def default_ladder_data() -> dict[str, Any]:
    """A fresh copy of the default ladder document (callers may mutate it); checked by the same
    validator as an import, so a broken template fails loudly."""
    return checked(yaml.safe_load(_default_text()))


def build_ladder(company_id: int, data: dict[str, Any]) -> Ladder:
    """Create a ladder from a ladder document (the same shape the export writes). Ids in the
    document are ignored: a new ladder gets its own."""
    checked(data)
    ladder = Ladder(
        company_id=company_id, name=data["name"], description=data.get("description", "")
    )
    competencies: dict[str, Competency] = {}
    for position, item in enumerate(data.get("competencies", [])):
        competency = Competency(
            company_id=company_id,
            key=item["key"],
            name=item["name"],
            description=item.get("description", ""),
            position=position,
            retired=bool(item.get("retired", False)),
        )
        competencies[competency.key] = competency
        ladder.competencies.append(competency)
    for track_position, track_data in enumerate(data.get("tracks", [])):
        track = Track(
            company_id=company_id,
            name=track_data["name"],
            kind=track_data.get("kind", "ic"),
            position=track_position,
        )
        ladder.tracks.append(track)
        for position, level_data in enumerate(track_data.get("levels", [])):
            level = Level(
                company_id=company_id,
                ladder=ladder,
                code=level_data["code"],
                title=level_data["title"],
                position=position,
                grade=level_data.get("grade"),
                min_years=level_data.get("min_years", 0),
                max_years=level_data.get("max_years"),
                summary=level_data.get("summary", ""),
                responsibilities=list(level_data.get("responsibilities", [])),
                skills=list(level_data.get("skills", [])),
            )
            track.all_levels.append(level)
            for key, text in (level_data.get("expectations") or {}).items():
                if not text:
                    continue
                level.expectations.append(
                    Expectation(company_id=company_id, competency=competencies[key], text=text)
                )
    db.session.add(ladder)
    return ladder


def create_default_ladder(company_id: int) -> Ladder:
    """The default ladder, published as version 1 so employees see it from day one."""
    from ..actors import SYSTEM_SETUP
    from .versions import publish  # versions builds on this module

    ladder = build_ladder(company_id, default_ladder_data())
    db.session.flush()
    publish(SYSTEM_SETUP, ladder, "Created from the default template")
    return ladder
